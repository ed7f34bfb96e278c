import { setTimeout as sleep } from 'node:timers/promises';
import { timerDelay } from '../policy/index.ts';
import { errorCode } from '../problems/index.ts';
import type { Automation } from './automation.ts';
import type { CycleOutcome, Reporter } from './report.ts';

/** What a watchdog or a status page reads about one automation. */
export interface AutomationStatus {
  cycles: number;
  running: boolean;
  lastStart?: Date;
  lastEnd?: Date;
  lastOutcome?: 'committed' | 'unchanged' | 'failed' | 'cancelled';
  /** When the next cycle is due, while waiting for it. */
  nextAt?: Date;
}

export interface RunOptions {
  reporter: Reporter;
  /** Cancels the cycle in progress. */
  cancel?: AbortSignal;
  /** Updated as cycles start and end. */
  status?: AutomationStatus;
  now?: () => Date;
}

/** Runs one cycle and reports it; never throws: a failed cycle is an outcome like any other. */
export async function runOnce(automation: Automation, options: RunOptions): Promise<CycleOutcome> {
  const now = options.now ?? (() => new Date());
  const status = options.status;
  const startedAt = now();
  if (status !== undefined) Object.assign(status, { running: true, lastStart: startedAt, nextAt: undefined });
  const started = performance.now();
  let outcome: CycleOutcome;
  try {
    const report = await automation.cycle(options.cancel ?? new AbortController().signal);
    outcome = { automation: automation.name, startedAt, ms: Math.round(performance.now() - started), report };
  } catch (error) {
    outcome = { automation: automation.name, startedAt, ms: Math.round(performance.now() - started), error };
  }
  if (status !== undefined) Object.assign(status, { running: false, cycles: status.cycles + 1, lastEnd: now(), lastOutcome: outcomeKind(outcome) });
  options.reporter.cycleEnded(outcome);
  return outcome;
}

export interface ScheduleOptions extends RunOptions {
  /** Fired: the cycle in progress finishes, no new one starts, and the loop returns. */
  stop: AbortSignal;
  /** Waits between cycles (tests pass their own). */
  wait?: (ms: number, signal: AbortSignal) => Promise<unknown>;
}

/** Cycles on the automation's interval (measured from the end of one to the start of the next) until `stop`. */
export async function runOnSchedule(automation: Automation, options: ScheduleOptions): Promise<void> {
  const wait = options.wait ?? ((ms, signal) => sleep(timerDelay(ms), undefined, { signal }).catch(() => undefined));
  const now = options.now ?? (() => new Date());
  while (!options.stop.aborted) {
    await runOnce(automation, options);
    if (options.stop.aborted) break;
    if (options.status !== undefined) options.status.nextAt = new Date(now().getTime() + automation.intervalMs);
    await wait(automation.intervalMs, options.stop);
  }
  options.reporter.stopped();
}

export function newStatus(): AutomationStatus {
  return { cycles: 0, running: false };
}

function outcomeKind(outcome: CycleOutcome): NonNullable<AutomationStatus['lastOutcome']> {
  if ('report' in outcome) return outcome.report.commit === undefined ? 'unchanged' : 'committed';
  return errorCode(outcome.error) === 'cancelled' ? 'cancelled' : 'failed';
}
