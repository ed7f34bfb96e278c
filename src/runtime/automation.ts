import { runCycle, type CycleDeps } from '../automation/index.ts';
import type { CycleSummary } from './report.ts';

/** What a cycle may tell the runtime as it goes (the supervisor passes one; `tagpilot run` none). */
export interface CycleContext {
  /** Why this cycle runs: `schedule`, or what asked for it (`webhook:<receiver>`, `config`). */
  reason: string;
  /** The step it is in, for the watchdog and the status page (`git fetch`, `registry`, …); undefined when done. */
  activity(what: string | undefined): void;
  /** An image repository (canonical name) the cycle asked about: registry webhooks route by these. */
  usedImage(repository: string): void;
  /** A Git operation ended (metrics). */
  gitOperation(operation: 'fetch' | 'push', outcome: GitOperationOutcome, ms: number): void;
}

export type GitOperationOutcome = 'ok' | 'failed' | 'lost-race' | 'rejected' | 'cancelled';

/**
 * What the runtime runs: one automation (one repository, branch and paths) whose cycle it calls
 * on the automation's own interval. The supervisor runs many side by side, each with its own
 * schedule and status; this is the unit it schedules.
 */
export interface Automation {
  /** Names the automation in logs and in its status. */
  readonly name: string;
  readonly intervalMs: number;
  /** A cycle still running after this long is cancelled and counts as no finished cycle (the watchdog); none: unbounded. */
  readonly cycleTimeoutMs?: number;
  /** One cycle; `signal` cancels it (a shutdown, the cycle timeout, a lost lease). */
  cycle(signal: AbortSignal, context?: CycleContext): Promise<CycleSummary>;
}

/** The automation of a wired cycle: each run gets the signal it is given. */
export function automationOf(name: string, deps: Omit<CycleDeps, 'signal'>, intervalMs: number): Automation {
  return { name, intervalMs, cycle: (signal) => runCycle({ ...deps, signal }) };
}
