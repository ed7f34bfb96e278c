import type { Logger } from 'pino';
import type { CycleReport } from '../automation/index.ts';
import { errorCode } from '../problems/index.ts';
import type { GitOperationOutcome } from './automation.ts';

/** What a report of one cycle says, whatever the flow (straight to the branch, or a review): the part the runtime reads. */
export type CycleSummary = Pick<CycleReport, 'head' | 'commit' | 'changes' | 'problems' | 'locked'> &
  Partial<Pick<CycleReport, 'notices'>> & {
    /** Every automated slot's state (the status page's rows); absent from summaries that do not know them. */
    slots?: CycleReport['slots'];
    /** A review flow's pull request, and what this cycle did to it. */
    pullRequest?: { number: number; url: string; action: string };
    /** The tags people turned down that are in force (reverts, hand edits, closed pull requests): the status page's history. */
    rejections?: CycleReport['rejections'];
  };

/** How one cycle ended: its report, or the error that stopped it. */
export type CycleOutcome = { automation: string; startedAt: Date; ms: number; reason?: string } & ({ report: CycleSummary } | { error: unknown });

/**
 * Where the runtime tells what happened: the log, metrics, Kubernetes Events, the status page.
 * Only `cycleEnded` and `stopped` are required; a reporter takes the rest it cares for.
 */
export interface Reporter {
  cycleEnded(outcome: CycleOutcome): void;
  stopped(): void;
  cycleStarted?(automation: string, reason: string): void;
  gitOperation?(automation: string, operation: 'fetch' | 'push', outcome: GitOperationOutcome, ms: number): void;
}

/** Tells every reporter; one that throws does not keep the others from hearing. */
export function fanOut(...reporters: Reporter[]): Reporter {
  const each = (call: (r: Reporter) => void) => {
    for (const r of reporters) {
      try {
        call(r);
      } catch {
        // A reporter's own failure (an Events API down) is its to log; the cycle goes on.
      }
    }
  };
  return {
    cycleEnded: (outcome) => each((r) => r.cycleEnded(outcome)),
    stopped: () => each((r) => r.stopped()),
    cycleStarted: (automation, reason) => each((r) => r.cycleStarted?.(automation, reason)),
    gitOperation: (automation, operation, outcome, ms) => each((r) => r.gitOperation?.(automation, operation, outcome, ms)),
  };
}

/**
 * Where each problem is logged besides the summary: `warn` for a person running one automation
 * (`tagpilot run`), `debug` for the controller, whose fleet would repeat the same problems every
 * cycle (its summary line counts them by code, with an example each).
 */
export type ProblemDetail = 'warn' | 'debug';

/** Reports to the log: one summary line per cycle, a failure as an error. */
export function logReporter(log: Logger, problemsAt: ProblemDetail = 'warn'): Reporter {
  return {
    cycleEnded(outcome) {
      const of = log.child({ automation: outcome.automation, ...(outcome.reason === undefined ? {} : { reason: outcome.reason }) });
      if ('error' in outcome) of.error({ err: { message: (outcome.error as Error).message, code: errorCode(outcome.error) }, ms: outcome.ms }, 'cycle failed');
      else logCycle(of, outcome.report, outcome.ms, problemsAt);
    },
    stopped() {
      log.info('stopped');
    },
  };
}

/**
 * One summary line (changes, problems by code with one example each, duration): at info when the
 * cycle committed or had problems, at debug when there was nothing to do. Each problem (and each
 * lock, at info) where `problemsAt` says; each change at debug (the changes are in the commit).
 */
export function logCycle(log: Logger, report: CycleSummary, ms: number, problemsAt: ProblemDetail = 'warn'): void {
  if (report.pullRequest !== undefined) log.info({ pullRequest: report.pullRequest }, `review: ${report.pullRequest.action} ${report.pullRequest.url}`);
  for (const p of report.problems) log[problemsAt]({ subject: p.subject, code: p.code }, p.message);
  for (const n of report.notices ?? []) log[problemsAt === 'warn' ? n.level : 'debug']({ subject: n.subject, code: n.code }, n.message);
  for (const w of report.locked) log[problemsAt === 'warn' ? 'info' : 'debug']({ workload: w }, 'locked; skipped');
  for (const change of report.changes) log.debug({ change }, 'change');
  const problems = problemCounts(report.problems);
  const summary = { head: report.head, commit: report.commit, changes: report.changes.length, problems, ...(report.problems.length > 0 ? { examples: problemExamples(report.problems) } : {}), locked: report.locked.length, ms };
  const quiet = report.commit === undefined && report.problems.length === 0;
  log[quiet ? 'debug' : 'info'](summary, report.commit === undefined ? 'cycle: nothing to change' : 'cycle: committed');
}

/** How many problems of each code (`problem` for those without one), codes in name order. */
export function problemCounts(problems: readonly object[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of problems) {
    const code = codeOf(p);
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** The first problem of each code, as `subject: message`: enough to act on without the debug lines. */
function problemExamples(problems: readonly { subject: string; message: string }[]): Record<string, string> {
  const examples: Record<string, string> = {};
  for (const p of problems) examples[codeOf(p)] ??= `${p.subject}: ${p.message}`.slice(0, 300);
  return examples;
}

function codeOf(p: object): string {
  return 'code' in p && typeof p.code === 'string' ? p.code : 'problem';
}
