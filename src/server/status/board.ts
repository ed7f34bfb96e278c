/**
 * The status page's memory: per automation, the runtime's live AutomationStatus and the last
 * cycle's outcome; tagpilot's changes as cycles commit them, then the history read from Git at
 * each new head (changes and operations), the rejections in force, verification outcomes. Git
 * stays the only state (invariant 1): after a restart the board starts empty, and its history
 * comes back with the first cycle's read; the verification outcomes of that history come back
 * from the Events the cluster recorded (recorded.ts), when the controller reads them.
 */
import { buildHistory, buildOperations, type HistoryEntry, type LoggedCommit, type OperationEntry, type RejectedTag } from '../../automation/index.ts';
import { errorCode } from '../../problems/index.ts';
import type { AutomationStatus, CycleOutcome, RegistryState, Reporter } from '../../runtime/index.ts';
import type { RecordedVerifications, Shipped } from './recorded.ts';
import type { AutomationSnapshot, CycleRecord, CycleResult, RegistrySnapshot, StatusSnapshot, StatusSource, VerificationRecord } from './snapshot.ts';

/** History entries kept per automation, of each sort (changes, operations, verifications): the newest. */
export const MAX_HISTORY = 100;
/** First-parent commits read for the history after each new head. */
export const HISTORY_COMMITS = 200;

/** What the controller knows of an automation beyond its runtime status. */
export interface TrackedAutomation {
  name: string;
  intervalMs: number;
  repository?: string;
  branch?: string;
  /** See AutomationSnapshot.commitUrl. */
  commitUrl?: string;
  /** The commit author's name, for history entries recorded from cycles. */
  author?: string;
  /** Who holds the lease, asked at each snapshot. */
  leaseHolder?: () => string | undefined;
  /**
   * The branch's first-parent history from `head`, newest first (RepositorySession.firstParents):
   * read after each cycle that saw a new head, it replaces the history the board made of cycles
   * (operations are found only there, and it survives a restart). A failed read keeps what is shown.
   */
  readHistory?: (head: string, max: number) => Promise<LoggedCommit[]>;
}

interface Entry {
  tracked: TrackedAutomation;
  status: AutomationStatus;
  last?: CycleRecord;
  slots: AutomationSnapshot['slots'];
  slotsAt?: Date;
  history: HistoryEntry[];
  operations: OperationEntry[];
  rejections: RejectedTag[];
  verifications: VerificationRecord[];
  /** The head the history was read at, the one to read next, and whether a read runs. */
  read: { at?: string; wanted?: string; running: boolean };
}

export interface BoardOptions {
  /** The registry hosts as the client's observer counted them (the controller's ControllerState.registries). */
  registries?: () => Iterable<RegistryState>;
  now?: () => Date;
}

export class StatusBoard implements StatusSource {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private readonly options: BoardOptions;
  private changes = 0;
  private recorded: RecordedVerifications | undefined;

  constructor(options: BoardOptions = {}) {
    this.options = options;
  }

  /** From now on, each snapshot's verifications include those the cluster recorded for the history shown (the controller's wiring, at start). */
  readRecorded(recorded: RecordedVerifications): void {
    this.recorded = recorded;
    this.changed();
  }

  /** Shows an automation; `status` is the object runOnce/runOnSchedule keep up to date. */
  track(tracked: TrackedAutomation, status: AutomationStatus): void {
    // Tracked again (a config reload replaced it): what the board learnt of it stays.
    const known = this.entries.get(tracked.name);
    this.entries.set(tracked.name, known === undefined ? { tracked, status, slots: [], history: [], operations: [], rejections: [], verifications: [], read: { running: false } } : { ...known, tracked, status });
    this.changed();
  }

  /** The automations shown, by name. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  untrack(name: string): void {
    if (this.entries.delete(name)) this.changed();
  }

  /** A Reporter that records each outcome on the board, then tells `next` (the log reporter). */
  reporter(next?: Reporter): Reporter {
    return {
      cycleEnded: (outcome) => {
        this.record(outcome);
        next?.cycleEnded(outcome);
      },
      stopped: () => next?.stopped(),
    };
  }

  /** History read from Git (buildHistory over `git log`), newest first: replaces what the board holds. */
  seedHistory(name: string, entries: readonly HistoryEntry[]): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    entry.history = entries.slice(0, MAX_HISTORY);
    this.changed();
  }

  /** A rollout verification's outcome for one of the automation's commits (the verifier's onOutcome). */
  verified(name: string, record: VerificationRecord): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    entry.verifications = [record, ...entry.verifications].slice(0, MAX_HISTORY);
    this.changed();
  }

  /** Tells subscribers to take a new snapshot (the registries' counts moved, a lease changed hands). */
  changed(): void {
    this.changes++;
    for (const listener of this.listeners) listener();
  }

  version(): number {
    return this.changes;
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  snapshot(): StatusSnapshot {
    const at = (this.options.now ?? (() => new Date()))();
    const entries = [...this.entries.values()];
    const recorded = this.recordedOutcomes(entries);
    const automations = entries.map((e) => automationSnapshot(e, recorded));
    const registries = [...(this.options.registries?.() ?? [])].map((r) => registrySnapshot(r, at)).sort((a, b) => (a.host < b.host ? -1 : 1));
    return { at, automations, registries, ...(this.recorded === undefined ? {} : { recorded: this.recorded.state() }) };
  }

  /** One lookup for every automation's history (cached), by commit and workload. */
  private recordedOutcomes(entries: readonly Entry[]): Map<string, VerificationRecord> {
    const byKey = new Map<string, VerificationRecord>();
    if (this.recorded === undefined) return byKey;
    const shipped = entries.flatMap((e) => e.history.map((h): Shipped => ({ commit: h.commit, workload: h.workload, when: h.when })));
    for (const r of this.recorded.outcomes(shipped, () => this.changed())) byKey.set(outcomeKey(r), r);
    return byKey;
  }

  private record(outcome: CycleOutcome): void {
    const entry = this.entries.get(outcome.automation);
    if (entry === undefined) return;
    entry.last = cycleRecord(outcome);
    if ('report' in outcome && outcome.report.slots !== undefined) {
      entry.slots = outcome.report.slots;
      entry.slotsAt = outcome.startedAt;
    }
    if ('report' in outcome) {
      entry.rejections = (outcome.report.rejections ?? []).slice(0, MAX_HISTORY);
      this.readHistory(entry, outcome.report.commit ?? outcome.report.head);
    }
    if (entry.last.commit !== undefined) {
      const { commit, changes } = entry.last;
      const author = entry.tracked.author ?? 'tagpilot';
      const when = outcome.startedAt.toISOString();
      const fresh = changes.map((c): HistoryEntry => ({ when, commit, author, workload: c.workload ?? c.file, ...(c.container === undefined ? {} : { container: c.container }), image: c.repository, from: c.from, to: c.to, policy: c.policy }));
      entry.history = [...fresh, ...entry.history].slice(0, MAX_HISTORY);
    }
    this.changed();
  }

  /** One read at a time per automation; a head seen meanwhile is read after it, the newest only. */
  private readHistory(entry: Entry, head: string): void {
    const reader = entry.tracked.readHistory;
    if (reader === undefined || head === entry.read.at) return;
    entry.read.wanted = head;
    if (entry.read.running) return;
    entry.read.running = true;
    entry.read.wanted = undefined;
    void reader(head, HISTORY_COMMITS)
      .then((commits) => {
        entry.history = buildHistory(commits).slice(0, MAX_HISTORY);
        entry.operations = buildOperations(commits).slice(0, MAX_HISTORY);
        entry.read.at = head;
        this.changed();
      })
      .catch(() => undefined)
      .finally(() => {
        entry.read.running = false;
        const next = entry.read.wanted;
        if (next !== undefined) this.readHistory(entry, next);
      });
  }
}

const outcomeKey = (r: Pick<VerificationRecord, 'commit' | 'workload'>) => `${r.commit.slice(0, 12)} ${r.workload}`;

/** The outcomes this process saw and those the cluster recorded for the automation's history: one per commit and workload (the later), newest first. */
function verificationsOf(e: Entry, recorded: ReadonlyMap<string, VerificationRecord>): VerificationRecord[] {
  if (recorded.size === 0) return e.verifications;
  const merged = new Map<string, VerificationRecord>();
  const fromCluster = e.history.map((h) => recorded.get(outcomeKey(h))).filter((r) => r !== undefined);
  for (const r of [...e.verifications, ...fromCluster]) {
    const known = merged.get(outcomeKey(r));
    if (known === undefined || r.at > known.at) merged.set(outcomeKey(r), r);
  }
  return [...merged.values()].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, MAX_HISTORY);
}

function automationSnapshot(e: Entry, recorded: ReadonlyMap<string, VerificationRecord>): AutomationSnapshot {
  const { tracked, status } = e;
  const snapshot: AutomationSnapshot = { name: tracked.name, intervalMs: tracked.intervalMs, running: status.running, cycles: status.cycles, slots: e.slots, history: e.history, operations: e.operations, rejections: e.rejections, verifications: verificationsOf(e, recorded) };
  if (tracked.repository !== undefined) snapshot.repository = tracked.repository;
  if (tracked.branch !== undefined) snapshot.branch = tracked.branch;
  if (tracked.commitUrl !== undefined) snapshot.commitUrl = tracked.commitUrl;
  const holder = tracked.leaseHolder?.();
  if (holder !== undefined) snapshot.leaseHolder = holder;
  if (status.nextAt !== undefined && !status.running) snapshot.nextAt = status.nextAt;
  if (e.last !== undefined) snapshot.last = e.last;
  if (e.slotsAt !== undefined) snapshot.slotsAt = e.slotsAt;
  return snapshot;
}

function cycleRecord(outcome: CycleOutcome): CycleRecord {
  const base = { startedAt: outcome.startedAt, ms: outcome.ms };
  if ('error' in outcome) {
    const code = errorCode(outcome.error);
    const result: CycleResult = code === 'cancelled' ? 'cancelled' : 'failed';
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    return { ...base, result, changes: [], problems: [], error: { code, message } };
  }
  const { head, commit, changes, problems, pullRequest } = outcome.report;
  const record: CycleRecord = { ...base, result: commit === undefined ? 'unchanged' : 'committed', head, changes, problems };
  if (commit !== undefined) record.commit = commit;
  if (pullRequest !== undefined) record.pullRequest = pullRequest;
  return record;
}

/** A host's counts by status, as the page reads them: a 401 is the token challenge, not a failure. */
export function registrySnapshot(r: RegistryState, now: Date): RegistrySnapshot {
  let errors = 0;
  for (const [status, n] of Object.entries(r.byStatus)) if (status === 'error' || (Number(status) >= 400 && status !== '401')) errors += n;
  const snapshot: RegistrySnapshot = { host: r.host, requests: r.requests, errors, rateLimited: r.byStatus['429'] ?? 0 };
  if (r.rateLimitedUntil !== undefined && r.rateLimitedUntil > now) snapshot.pausedUntil = r.rateLimitedUntil;
  return snapshot;
}
