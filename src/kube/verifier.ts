import { VERIFY_DEADLINE_RANGE } from '../config/index.ts';
import { readDuration } from '../policy/index.ts';
import type { KubeClient } from './client.ts';
import type { Counters, Log } from './counters.ts';
import { MemoryCounters } from './counters.ts';
import { parseWorkloadId, type EventSpec, type WorkloadId } from './cycle-events.ts';
import { kubeError } from './errors.ts';
import { labelSelector } from './live.ts';
import { judgeRollout, VERIFIABLE_KINDS, type ExpectedImage, type LivePod } from './rollout.ts';

/** A commit's images for one workload, to watch until the cluster runs them. */
export interface VerifyTarget {
  automation: string;
  workload: WorkloadId;
  commit: string;
  expected: readonly ExpectedImage[];
  /** The automation's deadline (config `verify.deadline`); the workload's `tagpilot.io/verify` annotation overrides it. Neither: not verified. */
  deadlineMs?: number;
}

export type Outcome = 'Verified' | 'Failed' | 'NotApplied';

export interface VerificationResult {
  target: VerifyTarget;
  outcome: Outcome;
  /** Failed only: ImagePullBackOff, CrashLoopBackOff, ProgressDeadlineExceeded, RolloutDegraded, DeadlineExceeded, … */
  reason?: string;
  detail: string;
  /** From the commit's report to the outcome. */
  elapsedMs: number;
}

export interface VerifierOptions {
  client: KubeClient;
  log: Log;
  /** Where outcomes become Events on the workload (an EventRecorder). */
  events?: { record(spec: EventSpec): void };
  counters?: Counters;
  now?: () => number;
  /** Between two looks at a workload (default 10 s). */
  intervalMs?: number;
  /** Verifications polling at once (default 20); more wait in a queue of `maxQueued` (default 500), past which they are dropped and counted. */
  maxConcurrent?: number;
  maxQueued?: number;
  /** Pods read per look (default 200). */
  maxPods?: number;
  /** Called with every outcome (notifications); a throw is logged, never propagated. */
  onOutcome?: (result: VerificationResult) => void;
}

/** The annotation that opts a workload in, with its deadline. */
export const VERIFY_ANNOTATION = 'tagpilot.io/verify';
/** A verification deadline: 10 s to 24 h, in the annotation as in the config. */
export const VERIFY_DEADLINE_BOUNDS = VERIFY_DEADLINE_RANGE;

/** The annotation's deadline: a duration within bounds, `false`/`off` (not verified), or a problem. */
export function verifyDeadline(value: string | undefined): { ms?: number; off?: true; problem?: string } {
  if (value === undefined) return {};
  const text = value.trim();
  if (text === 'false' || text === 'off') return { off: true };
  const ms = readDuration(text);
  if (ms === undefined || ms < VERIFY_DEADLINE_BOUNDS.min || ms > VERIFY_DEADLINE_BOUNDS.max) return { problem: `${VERIFY_ANNOTATION}: "${text.slice(0, 40)}" is not a duration between 10s and 24h (or "off")` };
  return { ms };
}

interface Running {
  /** Replaced by a newer commit's for the same workload. */
  target: VerifyTarget;
  key: string;
  startedAt: number;
  deadline?: number;
  timer?: NodeJS.Timeout;
  /** Queued, between two looks, or in a look (then it ends itself when it sees `cancelled`). */
  state: 'queued' | 'waiting' | 'looking' | 'done';
  cancelled: boolean;
}

const EVENT: Record<Outcome, Pick<EventSpec, 'reason' | 'action'>> = {
  Verified: { reason: 'Verified', action: 'Verify' },
  Failed: { reason: 'RolloutFailed', action: 'Verify' },
  NotApplied: { reason: 'NotApplied', action: 'Verify' },
};

/** Between two looks at a workload, and verifications polling at once, when the config names neither. */
const PACE = { intervalMs: 10_000, maxConcurrent: 20 };

/**
 * Watches workloads after tagpilot's commit until they run the new images, fail, or the deadline
 * passes (docs/verification.md). `verify` returns at once: the cycle never waits. Each look is one
 * GET of the workload and one list of its Pods; the decision is `judgeRollout`'s. A newer commit
 * for the same workload takes over the verification in progress.
 */
export class RolloutVerifier {
  private readonly o: Required<Omit<VerifierOptions, 'events' | 'onOutcome'>> & Pick<VerifierOptions, 'events' | 'onOutcome'>;
  private readonly running = new Map<string, Running>();
  private readonly queue: Running[] = [];
  private readonly pending = new Set<Promise<void>>();
  private active = 0;
  private stopped = false;

  constructor(options: VerifierOptions) {
    this.o = { counters: new MemoryCounters(), now: Date.now, ...PACE, maxQueued: 500, maxPods: 200, ...options };
  }

  verify(target: VerifyTarget): void {
    if (this.stopped) return;
    const key = `${target.workload.namespace}:${target.workload.kind}/${target.workload.name}`;
    const previous = this.running.get(key);
    if (previous !== undefined) {
      // The newer commit takes over the older one's place (and its turn): its images, its deadline.
      previous.target = target;
      previous.startedAt = this.o.now();
      previous.deadline = undefined;
      this.o.counters.inc('tagpilot_verifications_superseded_total');
      return;
    }
    const run: Running = { target, key, startedAt: this.o.now(), state: 'queued', cancelled: false };
    this.running.set(key, run);
    if (this.active < this.o.maxConcurrent) return this.begin(run);
    if (this.queue.length >= this.o.maxQueued) {
      this.running.delete(key);
      this.o.counters.inc('tagpilot_verifications_dropped_total');
      this.o.log.warn({ workload: key }, `verify: ${key} not verified: ${this.o.maxQueued} verifications already wait`);
      return;
    }
    this.queue.push(run);
  }

  /**
   * A reloaded config's settings: a new interval holds from each verification's next look; a
   * higher limit starts queued verifications now, a lower one lets those polling finish. A setting
   * left out is the default again.
   */
  reconfigure(settings: { intervalMs?: number | undefined; maxConcurrent?: number | undefined }): void {
    this.o.intervalMs = settings.intervalMs ?? PACE.intervalMs;
    this.o.maxConcurrent = settings.maxConcurrent ?? PACE.maxConcurrent;
    this.startQueued();
  }

  /** Resolves when no look is in flight (tests; the verifications themselves go on). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Every verification in progress ends without an outcome (shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const run of this.running.values()) {
      run.cancelled = true;
      clearTimeout(run.timer);
    }
    this.queue.length = 0;
    await this.settled();
    this.running.clear();
  }

  /** Verifications polling or queued now. */
  get size(): number {
    return this.running.size;
  }

  private begin(run: Running): void {
    this.active += 1;
    run.state = 'looking';
    this.track(this.look(run));
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private schedule(run: Running): void {
    run.state = 'waiting';
    run.timer = setTimeout(() => {
      run.state = 'looking';
      this.track(this.look(run));
    }, this.o.intervalMs);
    run.timer.unref();
  }

  private async look(run: Running): Promise<void> {
    if (run.cancelled) return this.end(run);
    const { client } = this.o;
    const { workload } = run.target;
    try {
      const live = await client.getRolloutState(workload.kind, workload.namespace, workload.name);
      if (run.cancelled) return this.end(run);
      if (run.deadline === undefined) {
        const annotated = verifyDeadline(live.annotations[VERIFY_ANNOTATION]);
        if (annotated.problem !== undefined) this.o.log.warn({ workload: run.key, code: 'verify-deadline-invalid' }, `verify: ${run.key}: ${annotated.problem}`);
        const ms = annotated.off === true ? undefined : (annotated.ms ?? run.target.deadlineMs);
        if (ms === undefined) return this.end(run);
        run.deadline = run.startedAt + ms;
      }
      const selector = labelSelector(live.selector);
      const pods: LivePod[] = selector === undefined ? [] : await client.listPods(workload.namespace, selector, this.o.maxPods);
      if (run.cancelled) return this.end(run);
      const verdict = judgeRollout(live, pods, run.target.expected, this.o.now() >= run.deadline);
      if (verdict.done) return this.finish(run, verdict.outcome, verdict.outcome === 'Failed' ? verdict.reason : undefined, verdict.detail);
    } catch (error) {
      const e = kubeError(error, `verify ${run.key}`);
      this.o.counters.inc('tagpilot_verify_errors_total', { code: e.code });
      // Before the opt-in is known (no config deadline), a workload that cannot be read is most likely not opted in: quietly.
      const optedIn = run.deadline !== undefined || run.target.deadlineMs !== undefined;
      if (optedIn) this.o.log.warn({ workload: run.key, code: e.code }, e.message);
      else this.o.log.debug({ workload: run.key, code: e.code }, e.message);
      if (run.deadline === undefined && run.target.deadlineMs !== undefined) run.deadline = run.startedAt + run.target.deadlineMs;
      if (run.deadline === undefined || this.o.now() >= run.deadline) return this.finishUnreadable(run, e.message);
    }
    this.schedule(run);
  }

  /** The API never answered well enough to judge: no opt-in known, or the deadline passed. */
  private finishUnreadable(run: Running, message: string): void {
    if (run.deadline === undefined) return this.end(run);
    this.finish(run, 'Failed', 'Unreadable', `the workload could not be read: ${message}`);
  }

  private finish(run: Running, outcome: Outcome, reason: string | undefined, detail: string): void {
    const { target } = run;
    const result: VerificationResult = { target, outcome, reason, detail, elapsedMs: this.o.now() - run.startedAt };
    const labels: Record<string, string> = { outcome, reason: reason ?? '' };
    this.o.counters.inc('tagpilot_verifications_total', labels);
    const line = `verify: ${run.key} ${outcome}${reason === undefined ? '' : ` (${reason})`} for commit ${target.commit.slice(0, 12)}: ${detail}`;
    if (outcome === 'Verified') this.o.log.info({ workload: run.key, outcome, commit: target.commit }, line);
    else this.o.log.warn({ workload: run.key, outcome, reason, commit: target.commit }, line);
    this.o.events?.record({ workload: target.workload, ...EVENT[outcome], note: `${outcome}${reason === undefined ? '' : ` (${reason})`}: ${detail} (commit ${target.commit.slice(0, 12)}, automation ${target.automation})` });
    try {
      this.o.onOutcome?.(result);
    } catch (error) {
      this.o.log.warn({ workload: run.key }, `verify: outcome listener failed: ${(error as Error).message}`);
    }
    this.end(run);
  }

  private end(run: Running): void {
    if (this.running.get(run.key) === run) this.running.delete(run.key);
    run.state = 'done';
    this.active -= 1;
    this.startQueued();
  }

  private startQueued(): void {
    while (!this.stopped && this.active < this.o.maxConcurrent && this.queue.length > 0) {
      const next = this.queue.shift()!;
      if (!next.cancelled) this.begin(next);
    }
  }
}

/** What a commit asks to verify: each workload of a kind with a rollout status, with its new images. */
export function verifyTargets(automation: string, report: { commit?: string; changes: readonly { workload?: string; container?: string; repository: string; to: string }[] }, deadlineMs?: number): VerifyTarget[] {
  const commit = report.commit;
  if (commit === undefined) return [];
  const byWorkload = new Map<string, VerifyTarget>();
  for (const c of report.changes) {
    const workload = c.workload === undefined ? undefined : parseWorkloadId(c.workload);
    if (workload === undefined || !VERIFIABLE_KINDS.has(workload.kind)) continue;
    const target = byWorkload.get(c.workload!) ?? { automation, workload, commit, expected: [], deadlineMs };
    (target.expected as ExpectedImage[]).push({ container: c.container, repository: c.repository, to: c.to });
    byWorkload.set(c.workload!, target);
  }
  return [...byWorkload.values()];
}
