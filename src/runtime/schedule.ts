import { setTimeout as sleep } from 'node:timers/promises';
import { timerDelay } from '../policy/index.ts';
import { errorCode, TagpilotError } from '../problems/index.ts';
import type { Automation, CycleContext } from './automation.ts';
import type { CycleOutcome, CycleSummary, Reporter } from './report.ts';

/** What a watchdog or a status page reads about one automation. */
export interface AutomationStatus {
  cycles: number;
  running: boolean;
  lastStart?: Date;
  lastEnd?: Date;
  lastOutcome?: OutcomeKind;
  /** When the next cycle is due, while waiting for it. */
  nextAt?: Date;
}

export type OutcomeKind = 'committed' | 'unchanged' | 'failed' | 'cancelled' | 'timed-out';

export interface RunOptions {
  reporter: Reporter;
  /** Cancels the cycle in progress. */
  cancel?: AbortSignal;
  /** Updated as cycles start and end. */
  status?: AutomationStatus;
  now?: () => Date;
  /** Handed to the cycle: why it runs, and where it tells what it does. */
  context?: CycleContext;
}

/** A cycle cut off by its automation's cycleTimeout (invariant 11: time per cycle is bounded). */
export class CycleTimeoutError extends TagpilotError {
  override name = 'CycleTimeoutError';
  constructor(automation: string, ms: number, options?: ErrorOptions) {
    super('cycle-timeout', `${automation}: the cycle did not finish within ${ms / 1000}s (cycleTimeout) and was cancelled`, { ...options, data: { automation, timeoutMs: ms } });
  }
}

/** Runs one cycle and reports it; never throws: a failed cycle is an outcome like any other. */
export async function runOnce(automation: Automation, options: RunOptions): Promise<CycleOutcome> {
  const now = options.now ?? (() => new Date());
  const status = options.status;
  const startedAt = now();
  if (status !== undefined) Object.assign(status, { running: true, lastStart: startedAt, nextAt: undefined });
  const reason = options.context?.reason;
  options.reporter.cycleStarted?.(automation.name, reason ?? 'schedule');
  const started = performance.now();
  const timeout = cycleTimeout(automation, options.cancel);
  const ended = (fields: { report: CycleSummary } | { error: unknown }): CycleOutcome => ({ automation: automation.name, startedAt, ms: Math.round(performance.now() - started), ...(reason === undefined ? {} : { reason }), ...fields });
  let outcome: CycleOutcome;
  try {
    outcome = ended({ report: await automation.cycle(timeout.signal, options.context) });
  } catch (error) {
    outcome = ended({ error: timeout.fired() ? new CycleTimeoutError(automation.name, automation.cycleTimeoutMs ?? 0, { cause: error }) : error });
  } finally {
    timeout.clear();
  }
  options.context?.activity(undefined);
  if (status !== undefined) Object.assign(status, { running: false, cycles: status.cycles + 1, lastEnd: now(), lastOutcome: outcomeKind(outcome) });
  options.reporter.cycleEnded(outcome);
  return outcome;
}

/** The cycle's signal: the caller's cancel, and the automation's own timeout. */
function cycleTimeout(automation: Automation, cancel: AbortSignal | undefined): { signal: AbortSignal; fired(): boolean; clear(): void } {
  const own = new AbortController();
  const ms = automation.cycleTimeoutMs;
  const timer = ms === undefined ? undefined : setTimeout(() => own.abort(new CycleTimeoutError(automation.name, ms)), timerDelay(ms));
  return { signal: cancel === undefined ? own.signal : AbortSignal.any([cancel, own.signal]), fired: () => own.signal.aborted, clear: () => clearTimeout(timer) };
}

export interface ScheduleOptions extends RunOptions {
  /** Fired: the cycle in progress finishes, no new one starts, and the loop returns. */
  stop: AbortSignal;
  /** Waits between cycles (tests pass their own). */
  wait?: (ms: number, signal: AbortSignal) => Promise<unknown>;
}

/** Cycles on the automation's interval (measured from the end of one to the start of the next) until `stop`. */
export async function runOnSchedule(automation: Automation, options: ScheduleOptions): Promise<void> {
  const wait = options.wait ?? waitFor;
  const now = options.now ?? (() => new Date());
  while (!options.stop.aborted) {
    await runOnce(automation, options);
    if (options.stop.aborted) break;
    if (options.status !== undefined) options.status.nextAt = new Date(now().getTime() + automation.intervalMs);
    await wait(automation.intervalMs, options.stop);
  }
  options.reporter.stopped();
}

/** Resolves after `ms`, or at once when `signal` fires; never rejects. */
export function waitFor(ms: number, signal: AbortSignal): Promise<unknown> {
  return sleep(timerDelay(ms), undefined, { signal }).catch(() => undefined);
}

export function newStatus(): AutomationStatus {
  return { cycles: 0, running: false };
}

/** Errors that mean something hung until a bound cut it off: the watchdog counts them as no finished cycle. */
const STALL_CODES: ReadonlySet<string> = new Set(['cycle-timeout', 'git-deadline']);

export function outcomeKind(outcome: CycleOutcome): OutcomeKind {
  if ('report' in outcome) return outcome.report.commit === undefined ? 'unchanged' : 'committed';
  const code = errorCode(outcome.error);
  if (STALL_CODES.has(code)) return 'timed-out';
  return code === 'cancelled' ? 'cancelled' : 'failed';
}
