import type { Logger } from 'pino';
import { autoRevert, type AutoRevertOutcome, type CycleDeps, type FailedRollout } from '../automation/index.ts';
import type { RolloutVerifier, VerificationResult, verifyTargets } from '../kube/index.ts';
import { notifyEvents, revertEvents, verificationEvent, type Notifier } from '../notify/index.ts';
import type { OnFailure } from '../policy/index.ts';
import type { CycleOutcome, Reporter } from '../runtime/index.ts';

/** What one automation does after its cycles: which pushes are verified, where it notifies, how it reverts. */
export interface AutomationFollowup {
  /** Off for a review flow (its commit is on tagpilot's branch, which the sync loop does not apply) and for `verify: false`. */
  verify: { enabled: boolean; deadline?: number };
  notifier?: Notifier;
  /** An automatic revert of a failed rollout, through the automation's commit path and its clone's one-writer turn. */
  revert?: (failure: FailedRollout) => Promise<AutoRevertOutcome>;
}

export interface FollowupOptions {
  log: Logger;
  /** The verifier and how a report becomes its targets (src/kube, loaded only when verification is on). */
  verification?: { verifier: Pick<RolloutVerifier, 'verify' | 'stop' | 'reconfigure'>; targets: typeof verifyTargets };
  /** Automatic reverts in progress at once; a failure past it is logged and not reverted (the next failure tries again). */
  maxReverts?: number;
}

/**
 * After each cycle, for every automation of the process: its notifications, the verification of
 * the workloads a pushed commit moved, and on a failed verification its notification and (when
 * the workload or automation opted in) the automatic revert. Nothing here blocks a cycle: the
 * verifier and the notifier work in the background, and a revert takes its turn on the clone.
 */
export class Followup {
  private readonly o: FollowupOptions;
  private automations = new Map<string, AutomationFollowup>();
  private readonly reverts = new Set<Promise<void>>();

  constructor(options: FollowupOptions) {
    this.o = options;
  }

  /** The automations of the config in force (a reload replaces them; verifications in progress report to the new ones). */
  set(automations: ReadonlyMap<string, AutomationFollowup>): void {
    this.automations = new Map(automations);
  }

  get reporter(): Reporter {
    return {
      cycleEnded: (outcome: CycleOutcome) => {
        if (!('report' in outcome)) return;
        const a = this.automations.get(outcome.automation);
        if (a === undefined) return;
        if (a.notifier !== undefined) for (const event of notifyEvents(outcome.automation, outcome.report)) a.notifier.notify(event);
        const v = this.o.verification;
        if (v === undefined || !a.verify.enabled) return;
        for (const target of v.targets(outcome.automation, outcome.report, a.verify.deadline)) v.verifier.verify(target);
      },
      stopped() {},
    };
  }

  /** A verification's outcome: notified, and a failure of a workload that opted in reverted. */
  outcome(result: VerificationResult): void {
    const a = this.automations.get(result.target.automation);
    if (a === undefined) return;
    if (a.notifier !== undefined) for (const event of verificationEvent(result)) a.notifier.notify(event);
    if (result.outcome !== 'Failed' || a.revert === undefined) return;
    if (this.reverts.size >= (this.o.maxReverts ?? 20)) {
      this.o.log.warn({ automation: result.target.automation, code: 'auto-revert-failed' }, `auto-revert: ${this.reverts.size} reverts already in progress; not reverting this failure`);
      return;
    }
    const p = this.revert(a, result);
    this.reverts.add(p);
    void p.finally(() => this.reverts.delete(p));
  }

  /** The verifier's interval and limit of a reloaded config (the defaults when it names none). */
  reconfigure(settings: { interval: number; maxConcurrent: number } | undefined): void {
    this.o.verification?.verifier.reconfigure({ intervalMs: settings?.interval, maxConcurrent: settings?.maxConcurrent });
  }

  /** The verifications end without an outcome, then the reverts in progress finish. */
  async close(): Promise<void> {
    await this.o.verification?.verifier.stop();
    while (this.reverts.size > 0) await Promise.allSettled([...this.reverts]);
  }

  private async revert(a: AutomationFollowup, result: VerificationResult): Promise<void> {
    const { target } = result;
    const workload = `${target.workload.namespace}:${target.workload.kind.toLowerCase()}/${target.workload.name}`;
    const log = this.o.log.child({ automation: target.automation, workload });
    try {
      const outcome = await a.revert!({ workload, commit: target.commit, images: target.expected, reason: result.reason ?? 'Failed', detail: result.detail });
      if (outcome.commit !== undefined) log.warn({ commit: outcome.commit, reverted: outcome.reverted }, `auto-revert: ${workload} reverted in ${outcome.commit.slice(0, 12)} (${result.reason})`);
      for (const h of outcome.held) log.warn({ code: 'auto-revert-held', slot: h.slot, tag: h.tag }, `auto-revert: ${h.slot}: ${h.message}`);
      if (a.notifier !== undefined) for (const event of revertEvents(result, outcome)) a.notifier.notify(event);
    } catch (error) {
      log.error({ code: 'auto-revert-failed', err: { message: (error as Error).message } }, `auto-revert: ${workload}: not reverted: ${(error as Error).message}`);
    }
  }
}

/**
 * An automation's automatic revert: its cycle deps at the time (a rotated key is the new one), in
 * the clone's one-writer `turn` (a cycle and a revert never write the clone at once).
 */
export function reverter(deps: () => CycleDeps, onFailure: OnFailure, turn: <T>(work: () => Promise<T>) => Promise<T>): (failure: FailedRollout) => Promise<AutoRevertOutcome> {
  return (failure) =>
    turn(() => {
      const d = deps();
      return autoRevert({ repo: d.repo, branch: d.branch, paths: d.paths, author: d.author, log: d.log, onFailure, ...(d.namedPolicies === undefined ? {} : { namedPolicies: d.namedPolicies }), ...(d.maxAttempts === undefined ? {} : { maxAttempts: d.maxAttempts }) }, failure);
    });
}
