/**
 * Whether a rollout tagpilot committed has reached the cluster, decided without I/O from what the
 * API answered and the time (docs/verification.md). The watcher (verifier.ts) polls and calls it.
 */

/** What tagpilot reads of a live workload to judge its rollout. */
export interface LiveWorkload {
  kind: string;
  generation?: number;
  annotations: Readonly<Record<string, string>>;
  /** The pod template's containers (init containers included), as the sync loop applied them. */
  containers: readonly { name: string; image: string }[];
  /** `spec.selector.matchLabels`: how its Pods are found. */
  selector?: Readonly<Record<string, string>>;
  status: {
    observedGeneration?: number;
    /** Desired Pods: `spec.replicas` (Deployment, StatefulSet, Rollout; default 1) or `status.desiredNumberScheduled` (DaemonSet). */
    desired?: number;
    updated?: number;
    ready?: number;
    available?: number;
    conditions: readonly { type: string; status: string; reason?: string; message?: string }[];
    /** An Argo Rollout's `status.phase`: Healthy, Progressing, Paused, Degraded. */
    phase?: string;
    message?: string;
  };
}

/** A Pod of the workload: its containers' images (imageID holds the digest it runs) and why one waits. */
export interface LivePod {
  name: string;
  deleting: boolean;
  containers: readonly { name: string; image: string; imageID?: string; ready: boolean; waiting?: string; waitingMessage?: string }[];
}

/** The image tagpilot committed for a container (or, without a container name, for any container of that repository). */
export interface ExpectedImage {
  container?: string;
  /** The repository as written in Git, without tag. */
  repository: string;
  /** The new tag, `tag@sha256:…`, or a bare digest. */
  to: string;
}

export type Verdict = { done: false; stage: 'waiting-for-spec' | 'rolling-out' | 'waiting-for-pods' } | { done: true; outcome: 'Verified'; detail: string } | { done: true; outcome: 'Failed'; reason: string; detail: string } | { done: true; outcome: 'NotApplied'; detail: string };

/** Pod waiting reasons that do not go away by waiting. */
export const POD_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'CrashLoopBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** The kinds whose rollout status tagpilot can judge. */
export const VERIFIABLE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout']);

/**
 * One look at the workload and its Pods. `expired`: the deadline has passed, so what is not
 * complete now is an outcome (NotApplied before the spec carries the image, Failed after).
 */
export function judgeRollout(workload: LiveWorkload, pods: readonly LivePod[], expected: readonly ExpectedImage[], expired: boolean): Verdict {
  const missing = expected.filter((e) => !workload.containers.some((c) => matches(c, e)));
  if (missing.length > 0) return expired ? { done: true, outcome: 'NotApplied', detail: `the workload's spec does not carry ${missing.map(describe).join(', ')}` } : { done: false, stage: 'waiting-for-spec' };
  const podFailure = failingPod(pods, expected);
  if (podFailure !== undefined) return { done: true, outcome: 'Failed', reason: podFailure.reason, detail: podFailure.detail };
  const status = statusVerdict(workload);
  if (status.failed !== undefined) return { done: true, outcome: 'Failed', reason: status.failed, detail: status.detail };
  if (!status.complete) return expired ? { done: true, outcome: 'Failed', reason: 'DeadlineExceeded', detail: `the rollout did not complete in time: ${status.detail}` } : { done: false, stage: 'rolling-out' };
  const stale = podsNotRunning(pods, expected);
  if (stale !== undefined) return expired ? { done: true, outcome: 'Failed', reason: 'DeadlineExceeded', detail: stale } : { done: false, stage: 'waiting-for-pods' };
  return { done: true, outcome: 'Verified', detail: `${describeAll(expected)} rolled out: ${status.detail}` };
}

function statusVerdict(w: LiveWorkload): { complete: boolean; failed?: string; detail: string } {
  const s = w.status;
  if (w.kind === 'Rollout') {
    if (s.phase === 'Degraded') return { complete: false, failed: 'RolloutDegraded', detail: s.message ?? 'the Rollout is Degraded' };
    const complete = s.phase === 'Healthy' && observed(w);
    return { complete, detail: `phase ${s.phase ?? 'unknown'}` };
  }
  const progressing = s.conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { complete: false, failed: 'ProgressDeadlineExceeded', detail: progressing.message ?? 'the Deployment exceeded its progress deadline' };
  const desired = s.desired ?? 1;
  const counts = `${s.updated ?? 0} updated, ${s.ready ?? 0} ready, ${s.available ?? 0} available of ${desired}`;
  const available = s.conditions.find((c) => c.type === 'Available');
  const conditionsOk = w.kind !== 'Deployment' || (available?.status === 'True' && progressing?.status !== 'False');
  const complete = observed(w) && (s.updated ?? 0) >= desired && (s.ready ?? 0) >= desired && (s.available ?? s.ready ?? 0) >= desired && conditionsOk;
  return { complete, detail: counts };
}

const observed = (w: LiveWorkload) => w.generation === undefined || (w.status.observedGeneration ?? 0) >= w.generation;

/** A Pod running the new image (or its container) that waits for a reason waiting will not fix. */
function failingPod(pods: readonly LivePod[], expected: readonly ExpectedImage[]): { reason: string; detail: string } | undefined {
  for (const pod of pods) {
    if (pod.deleting) continue;
    for (const c of pod.containers) {
      if (c.waiting === undefined || !POD_FAILURES.has(c.waiting)) continue;
      if (!expected.some((e) => matches(c, e))) continue;
      return { reason: c.waiting, detail: `pod ${pod.name} container ${c.name}: ${c.waiting}${c.waitingMessage === undefined ? '' : `: ${c.waitingMessage.slice(0, 300)}`}` };
    }
  }
  return undefined;
}

/** Why the Pods do not all run the expected image (and digest, when the commit pinned one); undefined when they do. */
function podsNotRunning(pods: readonly LivePod[], expected: readonly ExpectedImage[]): string | undefined {
  const live = pods.filter((p) => !p.deleting);
  if (live.length === 0) return 'no Pods match the workload selector';
  for (const pod of live) {
    for (const e of expected) {
      const c = pod.containers.find((x) => (e.container === undefined ? sameRepository(x.image, e.repository) : x.name === e.container));
      if (c === undefined) continue;
      if (!matches(c, e)) return `pod ${pod.name} still runs ${c.image}`;
      const digest = digestOf(e.to);
      if (digest !== undefined && c.imageID !== undefined && c.imageID !== '' && !c.imageID.endsWith(digest)) return `pod ${pod.name} runs ${c.imageID}, not ${digest}`;
      if (!c.ready) return `pod ${pod.name} container ${c.name} is not ready`;
    }
  }
  return undefined;
}

/** Whether a container's image is the expected one: same container (when named) and the new tag or digest. */
export function matches(c: { name: string; image: string }, e: ExpectedImage): boolean {
  if (e.container !== undefined && c.name !== e.container) return false;
  if (e.container === undefined && !sameRepository(c.image, e.repository)) return false;
  const ref = referencePart(c.image);
  return ref === e.to || ref.endsWith(`@${e.to}`) || (digestOf(e.to) !== undefined && ref === `@${digestOf(e.to)}`);
}

/** `repo:tag@sha256:…` → `tag@sha256:…`; `repo@sha256:…` → `@sha256:…`… hence the digest comparison above. */
function referencePart(image: string): string {
  const at = image.indexOf('@');
  const beforeDigest = at === -1 ? image : image.slice(0, at);
  const colon = beforeDigest.lastIndexOf(':');
  const tag = colon > beforeDigest.lastIndexOf('/') ? beforeDigest.slice(colon + 1) : '';
  return `${tag}${at === -1 ? '' : image.slice(at)}`;
}

function sameRepository(image: string, repository: string): boolean {
  const name = image.split('@')[0]!;
  const colon = name.lastIndexOf(':');
  const repo = colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
  return repository === '' || repo === repository || repo.endsWith(`/${repository}`);
}

function digestOf(to: string): string | undefined {
  const m = /(sha256:[a-f0-9]{64})$/.exec(to);
  return m?.[1];
}

const describe = (e: ExpectedImage) => `${e.container === undefined ? '' : `${e.container}: `}${e.repository}:${e.to}`;
const describeAll = (expected: readonly ExpectedImage[]) => expected.map(describe).join(', ');
