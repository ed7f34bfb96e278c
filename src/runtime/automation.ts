import { runCycle, type CycleDeps } from '../automation/index.ts';
import type { CycleSummary } from './report.ts';

/**
 * What the runtime runs: one automation (one repository, branch and paths) whose cycle it calls
 * on the automation's own interval. The coming controller runs many side by side, each with its
 * own schedule and status; this is the unit it schedules.
 */
export interface Automation {
  /** Names the automation in logs and in its status. */
  readonly name: string;
  readonly intervalMs: number;
  /** One cycle; `signal` cancels it (a second shutdown signal, later a watchdog). */
  cycle(signal: AbortSignal): Promise<CycleSummary>;
}

/** The automation of a wired cycle: each run gets the signal it is given. */
export function automationOf(name: string, deps: Omit<CycleDeps, 'signal'>, intervalMs: number): Automation {
  return { name, intervalMs, cycle: (signal) => runCycle({ ...deps, signal }) };
}
