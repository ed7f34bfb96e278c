import type { RegistryObserver } from '../registry/index.ts';
import type { CycleOutcome, Reporter } from './report.ts';
import { problemCounts } from './report.ts';
import { outcomeKind, type AutomationStatus, type OutcomeKind } from './schedule.ts';
import { errorCode } from '../problems/index.ts';

/** One cycle as the status page shows it. */
export interface CycleRecord {
  startedAt: Date;
  endedAt: Date;
  ms: number;
  outcome: OutcomeKind;
  /** What asked for it: `schedule`, `webhook:<receiver>`, … */
  reason: string;
  commit?: string;
  changes: number;
  /** Problems by code, locked workloads under `locked`. */
  problems: Record<string, number>;
  error?: { code: string; message: string };
}

/** Everything the controller knows about one automation: what the watchdog, /readyz, metrics and the status page read. */
export interface AutomationState extends AutomationStatus {
  name: string;
  intervalMs: number;
  cycleTimeoutMs: number;
  /** This replica may run it now (leadership); one held elsewhere neither runs nor counts for readiness. */
  held: boolean;
  /** Since when this replica runs it: the watchdog's start while no cycle has finished. */
  since: Date;
  lastCycle?: CycleRecord;
  /** The last cycle that ran to its end (committed, unchanged, or failed of its own error): not cut off, not cancelled. */
  lastFinishedAt?: Date;
  /** The last cycle that ended without an error. */
  lastSuccessAt?: Date;
  /** The step the running cycle is in, and since when. */
  activity?: { what: string; since: Date };
  /** Image repositories (canonical names) its cycles ask about: registry webhooks route by these. */
  images: Set<string>;
  /** Cycles asked for (webhooks, reloads) and not yet run. */
  pending?: string;
}

/** One registry host's requests, errors and rate limiting, as the client saw them. */
export interface RegistryState {
  host: string;
  requests: number;
  errors: number;
  byStatus: Record<string, number>;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  /** Every request to it holds until then (the registry's Retry-After). */
  rateLimitedUntil?: Date;
  listings: { network: number; cache: number; shared: number };
}

/** The config the controller runs on, and the last reload that failed. */
export interface ConfigState {
  source: string;
  generation: number;
  loadedAt?: Date;
  lastError?: { message: string; at: Date };
}

/** The controller's one in-memory model: every reader (probes, metrics, the status page) reads this. */
export class ControllerState {
  readonly automations = new Map<string, AutomationState>();
  readonly registries = new Map<string, RegistryState>();
  readonly config: ConfigState;
  readonly startedAt: Date;

  constructor(source: string, now: Date = new Date()) {
    this.config = { source, generation: 0 };
    this.startedAt = now;
  }

  /** Records a cycle's end on its automation. */
  recordCycle(outcome: CycleOutcome, endedAt: Date): void {
    const state = this.automations.get(outcome.automation);
    if (state === undefined) return;
    const kind = outcomeKind(outcome);
    const record: CycleRecord = { startedAt: outcome.startedAt, endedAt, ms: outcome.ms, outcome: kind, reason: outcome.reason ?? 'schedule', changes: 0, problems: {} };
    if ('report' in outcome) {
      record.changes = outcome.report.commit === undefined ? 0 : outcome.report.changes.length;
      if (outcome.report.commit !== undefined) record.commit = outcome.report.commit;
      record.problems = problemCounts([...outcome.report.problems, ...outcome.report.locked.map(() => ({ code: 'locked' }))]);
      state.lastSuccessAt = endedAt;
    } else {
      record.error = { code: errorCode(outcome.error), message: (outcome.error as Error).message };
    }
    if (kind !== 'timed-out' && kind !== 'cancelled') state.lastFinishedAt = endedAt;
    state.lastCycle = record;
  }

  /** Feeds the registries' part of the model from the registry client. */
  registryObserver(): RegistryObserver {
    const of = (host: string) => {
      let r = this.registries.get(host);
      if (r === undefined) this.registries.set(host, (r = { host, requests: 0, errors: 0, byStatus: {}, rateLimitWaits: 0, rateLimitWaitMs: 0, listings: { network: 0, cache: 0, shared: 0 } }));
      return r;
    };
    return {
      request(host, _kind, status) {
        const r = of(host);
        r.requests++;
        if (status === 'error' || status >= 400) r.errors++;
        r.byStatus[String(status)] = (r.byStatus[String(status)] ?? 0) + 1;
      },
      waited(host, ms) {
        const r = of(host);
        r.rateLimitWaits++;
        r.rateLimitWaitMs += ms;
      },
      rateLimited(host, until) {
        of(host).rateLimitedUntil = new Date(until);
      },
      listed(host, source) {
        of(host).listings[source]++;
      },
    };
  }

  /** The whole model as plain JSON: what a status API serves. */
  snapshot(): Record<string, unknown> {
    return {
      startedAt: this.startedAt.toISOString(),
      config: this.config,
      automations: [...this.automations.values()].map(({ images, ...a }) => ({ ...a, images: [...images].sort() })),
      registries: [...this.registries.values()],
    };
  }
}

/** A fresh state for an automation this replica starts running. */
export function newAutomationState(name: string, intervalMs: number, cycleTimeoutMs: number, now: Date): AutomationState {
  return { name, intervalMs, cycleTimeoutMs, held: false, since: now, cycles: 0, running: false, images: new Set() };
}

/** Keeps the model current as cycles end (the supervisor's runners keep the rest). */
export function stateReporter(state: ControllerState, now: () => Date = () => new Date()): Reporter {
  return { cycleEnded: (outcome) => state.recordCycle(outcome, now()), stopped: () => undefined };
}
