/**
 * The verification outcomes the cluster recorded: the Events the verifier wrote on the workloads
 * (docs/verification.md), read back through a lookup the controller's wiring gives (the one
 * `history --verified` uses), so the page shows them after a restart and on every replica, not
 * only those this process saw. Bounded: the workloads of recent history only, one lookup at a
 * time with a deadline, reused for a short TTL (page views never reach the API), and a lookup
 * that fails or times out leaves the last outcomes read and says why on the page.
 */
import type { VerificationRecord } from './snapshot.ts';

/** One outcome as its Event records it (src/kube's Verified). */
export interface RecordedOutcome {
  outcome: VerificationRecord['outcome'];
  reason?: string;
  /** RFC 3339. */
  at?: string;
  detail: string;
}

/** What a lookup found: by workload (`namespace:kind/name`), by the commit's first 12 hex digits; and what it could not read. */
export interface LookupResult {
  found: ReadonlyMap<string, ReadonlyMap<string, RecordedOutcome>>;
  /** Namespaces whose Events could not be read, and why. */
  unreadable: readonly { namespace: string; message: string }[];
}

/** Reads the outcomes recorded for these workloads (the cli wires src/kube's readVerifications). */
export type VerificationLookup = (workloads: readonly string[]) => Promise<LookupResult>;

/** What the page says of the outcomes recorded in the cluster. */
export interface RecordedState {
  /** `reading`: the first lookup has not ended; `read`: the last one did; `unreadable`: it failed (or read only part), `problem` says why. */
  state: 'reading' | 'read' | 'unreadable';
  /** When the outcomes shown were last read. */
  readAt?: Date;
  problem?: string;
}

export interface RecordedOptions {
  lookup: VerificationLookup;
  /** A lookup is reused this long (default 30 s). */
  ttlMs?: number;
  /** A lookup that has not answered by then counts as failed (default 5 s). */
  timeoutMs?: number;
  /** Workloads asked per lookup, those of the newest history first (default 100). */
  maxWorkloads?: number;
  /** Commits and outcomes older than this are not looked up or shown (default 24 h). */
  maxAgeMs?: number;
  now?: () => number;
}

/** A commit tagpilot made to a workload: what an outcome is looked up for. */
export interface Shipped {
  commit: string;
  workload: string;
  /** RFC 3339: the commit's time. */
  when: string;
}

const PROBLEM_CHARS = 300;

export class RecordedVerifications {
  private readonly o: Required<Omit<RecordedOptions, 'now'>> & { now: () => number };
  private found: LookupResult['found'] = new Map();
  private asked = '';
  private endedAt: number | undefined;
  private running = false;
  private status: RecordedState = { state: 'reading' };

  constructor(options: RecordedOptions) {
    this.o = { ttlMs: 30_000, timeoutMs: 5_000, maxWorkloads: 100, maxAgeMs: 24 * 3_600_000, now: Date.now, ...options };
  }

  /** What the page says of the lookups so far. */
  state(): RecordedState {
    return { ...this.status };
  }

  /**
   * The recorded outcomes of these commits, from the last lookup; starts a new one in the
   * background when that one is older than the TTL or asked for other workloads (one at a time),
   * and calls `changed` when it ends.
   */
  outcomes(shipped: readonly Shipped[], changed: () => void): VerificationRecord[] {
    const now = this.o.now();
    const recent = shipped.filter((s) => now - Date.parse(s.when) <= this.o.maxAgeMs);
    const workloads = [...new Set(recent.map((s) => s.workload).filter((w) => w.includes(':')))].slice(0, this.o.maxWorkloads);
    this.refresh(workloads, now, changed);
    const records: VerificationRecord[] = [];
    for (const s of recent) {
      const v = this.found.get(s.workload)?.get(s.commit.slice(0, 12));
      const at = v?.at === undefined ? Number.NaN : Date.parse(v.at);
      if (v === undefined || Number.isNaN(at) || now - at > this.o.maxAgeMs) continue;
      records.push({ at: new Date(at), commit: s.commit, workload: s.workload, outcome: v.outcome, detail: v.detail, ...(v.reason === undefined ? {} : { reason: v.reason }) });
    }
    return records;
  }

  private refresh(workloads: string[], now: number, changed: () => void): void {
    const key = workloads.join('\n');
    const fresh = this.endedAt !== undefined && now - this.endedAt < this.o.ttlMs && key === this.asked;
    // No history with a workload yet: nothing to read, nothing missing.
    if (workloads.length === 0 && this.endedAt === undefined) this.status = { state: 'read' };
    if (this.running || fresh || workloads.length === 0) return;
    if (this.endedAt === undefined) this.status = { state: 'reading' };
    this.running = true;
    this.asked = key;
    const before = this.seen();
    void this.lookup(workloads).then((status) => {
      this.status = status;
      this.endedAt = this.o.now();
      this.running = false;
      // A lookup that found what the last one did is no change: open pages are not told every TTL.
      if (this.seen() !== before) changed();
    });
  }

  /** What the page shows of the lookups, as one comparable text (the read time aside). */
  private seen(): string {
    const found = [...this.found].map(([w, byCommit]) => [w, [...byCommit]]);
    return JSON.stringify([this.status.state, this.status.problem, found]);
  }

  /** Never rejects: a failure is the state the page shows, and the outcomes read before stay. */
  private async lookup(workloads: string[]): Promise<RecordedState> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the Kubernetes API did not answer within ${Math.round(this.o.timeoutMs / 1000)} s`)), this.o.timeoutMs);
      timer.unref();
    });
    try {
      const result = await Promise.race([this.o.lookup(workloads), late]);
      this.found = result.found;
      const readAt = new Date(this.o.now());
      if (result.unreadable.length === 0) return { state: 'read', readAt };
      const problem = result.unreadable.map((u) => `the Events of namespace ${u.namespace} cannot be read: ${u.message}`).join('; ');
      return { state: 'unreadable', readAt, problem: problem.slice(0, PROBLEM_CHARS) };
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      return { ...(this.status.readAt === undefined ? {} : { readAt: this.status.readAt }), state: 'unreadable', problem: problem.slice(0, PROBLEM_CHARS) };
    } finally {
      clearTimeout(timer);
    }
  }
}
