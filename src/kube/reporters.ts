import { errorCode } from '../problems/index.ts';
import type { CycleOutcome, Reporter } from '../runtime/index.ts';
import { cycleEvents } from './cycle-events.ts';
import type { EventRecorder } from './events.ts';
import { nudge, type NudgeOptions, type NudgeTarget } from './nudge.ts';
import { verifyTargets, type RolloutVerifier } from './verifier.ts';

/** A runtime Reporter that writes each cycle's Events (best effort: `record` never throws or waits). */
export function eventReporter(recorder: EventRecorder): Reporter {
  return {
    cycleEnded(outcome) {
      for (const spec of cycleEvents(outcomeLike(outcome))) recorder.record(spec);
    },
    stopped() {},
  };
}

/** A runtime Reporter that nudges the sync loops after each cycle that pushed a commit; `settled()` waits for the nudges in flight. */
export function nudgeReporter(targets: readonly NudgeTarget[], git: { repository: string; branch: string }, options: NudgeOptions): Reporter & { settled(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    cycleEnded(outcome) {
      if (!('report' in outcome) || outcome.report.commit === undefined) return;
      const { head, commit, changes } = outcome.report;
      const p = nudge(targets, { ...git, before: head ?? '0'.repeat(40), after: commit, files: [...new Set(changes.map((c) => c.file))] }, options);
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
    stopped() {},
    async settled() {
      await Promise.all([...pending]);
    },
  };
}

/** A runtime Reporter that starts a rollout verification for each workload a pushed commit moved (the cycle does not wait for it). */
export function verifyReporter(verifier: RolloutVerifier, options: { deadlineMs?: number } = {}): Reporter {
  return {
    cycleEnded(outcome) {
      if (!('report' in outcome)) return;
      for (const target of verifyTargets(outcome.automation, outcome.report, options.deadlineMs)) verifier.verify(target);
    },
    stopped() {},
  };
}

function outcomeLike(outcome: CycleOutcome) {
  if ('error' in outcome) return { automation: outcome.automation, error: { code: errorCode(outcome.error), message: (outcome.error as Error).message } };
  return { automation: outcome.automation, report: outcome.report };
}
