import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { runCycle, type CycleDeps, type CycleReport } from '../../automation/index.ts';
import { runReviewCycle, type ReviewReport, type ReviewSettings } from '../../hosting/index.ts';
import { EXIT, type CliIo } from '../io.ts';
import { exitForProblems, problemCounts } from '../outcome.ts';
import { wire, type LogFormatOption } from '../wire.ts';

export interface RunOptions extends LogFormatOption {
  config: string;
  once?: boolean;
  strict?: boolean;
}

/**
 * `tagpilot run --config FILE [--once]`: one cycle, or cycles on the configured interval until
 * SIGTERM/SIGINT; a signal lets the cycle in progress finish.
 */
export async function run(options: RunOptions, io: CliIo): Promise<number> {
  const { config, deps, review } = await wire(options.config, io, options);
  if (options.once) {
    const result = await cycleLogged(deps, review);
    return result instanceof Error ? EXIT.failed : exitForProblems(result.problems, options.strict);
  }

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    while (!stop.signal.aborted) {
      await cycleLogged(deps, review);
      await sleep(config.interval, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  deps.log.info('stopped');
  return EXIT.ok;
}

async function cycleLogged(deps: CycleDeps, review?: ReviewSettings): Promise<CycleReport | ReviewReport | Error> {
  const started = performance.now();
  try {
    // A review flow commits to tagpilot's own branch and keeps one pull request per target.
    const report = review === undefined ? await runCycle(deps) : await runReviewCycle(deps, review);
    logCycle(deps.log, report, Math.round(performance.now() - started));
    return report;
  } catch (error) {
    deps.log.error({ err: { message: (error as Error).message } }, 'cycle failed');
    return error as Error;
  }
}

/** What a cycle's log says, of a cycle or of a review cycle. */
export type CycleSummary = Pick<CycleReport, 'head' | 'commit' | 'changes' | 'problems' | 'locked'> & { pullRequest?: ReviewReport['pullRequest'] };

/** Each problem, then one summary line; the changes themselves at debug (they are in the commit). */
export function logCycle(log: Logger, report: CycleSummary, ms: number): void {
  if (report.pullRequest !== undefined) log.info({ pullRequest: report.pullRequest }, `review: ${report.pullRequest.action} ${report.pullRequest.url}`);
  for (const p of report.problems) log.warn({ subject: p.subject }, p.message);
  for (const w of report.locked) log.info({ workload: w }, 'locked; skipped');
  for (const change of report.changes) log.debug({ change }, 'change');
  const summary = { head: report.head, commit: report.commit, changes: report.changes.length, problems: problemCounts(report.problems), locked: report.locked.length, ms };
  log.info(summary, report.commit === undefined ? 'cycle: nothing to change' : 'cycle: committed');
}
