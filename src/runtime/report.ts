import type { Logger } from 'pino';
import type { CycleReport } from '../automation/index.ts';
import { errorCode } from '../problems/index.ts';

/** What a report of one cycle says, whatever the flow (straight to the branch, or a review): the part the runtime reads. */
export type CycleSummary = Pick<CycleReport, 'head' | 'commit' | 'changes' | 'problems' | 'locked'> &
  Partial<Pick<CycleReport, 'notices'>> & {
    /** A review flow's pull request, and what this cycle did to it. */
    pullRequest?: { number: number; url: string; action: string };
  };

/** How one cycle ended: its report, or the error that stopped it. */
export type CycleOutcome = { automation: string; startedAt: Date; ms: number } & ({ report: CycleSummary } | { error: unknown });

/** Where the runtime tells what happened: logs now; events, metrics and the status page later. */
export interface Reporter {
  cycleEnded(outcome: CycleOutcome): void;
  stopped(): void;
}

/** Reports to the log: each problem and lock, one summary line per cycle, a failure as an error. */
export function logReporter(log: Logger): Reporter {
  return {
    cycleEnded(outcome) {
      if ('error' in outcome) log.error({ err: { message: (outcome.error as Error).message, code: errorCode(outcome.error) } }, 'cycle failed');
      else logCycle(log, outcome.report, outcome.ms);
    },
    stopped() {
      log.info('stopped');
    },
  };
}

/** Each problem and notice, then one summary line; the changes themselves at debug (they are in the commit). */
export function logCycle(log: Logger, report: CycleSummary, ms: number): void {
  if (report.pullRequest !== undefined) log.info({ pullRequest: report.pullRequest }, `review: ${report.pullRequest.action} ${report.pullRequest.url}`);
  for (const p of report.problems) log.warn({ subject: p.subject, code: p.code }, p.message);
  for (const n of report.notices ?? []) log[n.level]({ subject: n.subject, code: n.code }, n.message);
  for (const w of report.locked) log.info({ workload: w }, 'locked; skipped');
  for (const change of report.changes) log.debug({ change }, 'change');
  const summary = { head: report.head, commit: report.commit, changes: report.changes.length, problems: problemCounts(report.problems), locked: report.locked.length, ms };
  log.info(summary, report.commit === undefined ? 'cycle: nothing to change' : 'cycle: committed');
}

/** How many problems of each code (`problem` for those without one), codes in name order. */
export function problemCounts(problems: readonly object[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of problems) {
    const code = 'code' in p && typeof p.code === 'string' ? p.code : 'problem';
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
