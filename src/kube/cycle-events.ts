import { HOLD_CODES } from '../problems/index.ts';

/**
 * What Events a cycle's outcome makes, decided without I/O. The reasons are stable and listed in
 * docs/kubernetes.md#events: people filter on them (`kubectl get events --field-selector
 * reason=Blocked`).
 */
export const REASONS = {
  /** A workload's image moved: old → new, in which commit. */
  Updated: 'Normal',
  /** A slot that could move does not: locked, frozen, soaking, out of range, a current tag that cannot be ranked. */
  Blocked: 'Normal',
  /** A registry, Git or push problem, by its code; or the whole cycle failed. */
  Failed: 'Warning',
  /** A rollout tagpilot committed runs in the cluster (docs/verification.md). */
  Verified: 'Normal',
  /** A rollout tagpilot committed failed: a Pod's reason (ImagePullBackOff, CrashLoopBackOff, …) or the workload's (ProgressDeadlineExceeded). */
  RolloutFailed: 'Warning',
  /** The sync loop did not apply tagpilot's commit to the workload within the verification deadline. */
  NotApplied: 'Warning',
} as const;

export type Reason = keyof typeof REASONS;

/** A workload as the cycle names it: `namespace:kind/name` (kind in lower case, as fluxctl wrote it). */
export interface WorkloadId {
  namespace: string;
  kind: string;
  name: string;
}

export interface EventSpec {
  /** The workload it is about, when the cycle names one; the recorder attaches it to tagpilot's Pod otherwise. */
  workload?: WorkloadId;
  reason: Reason;
  /** What tagpilot did or would do (events.k8s.io `action`). */
  action: 'Update' | 'Hold' | 'Sync' | 'Verify';
  note: string;
}

/** The parts of a cycle's outcome Events are made from (the runtime's CycleOutcome fits). */
export interface OutcomeLike {
  automation: string;
  report?: {
    commit?: string;
    changes: readonly { workload?: string; container?: string; repository: string; from: string; to: string; file: string }[];
    problems: readonly { code?: string; subject: string; message: string }[];
    locked: readonly string[];
    /** Each slot's state, when the cycle knows them: who locked a workload, and why. */
    slots?: readonly { workload?: string; hold?: { kind: string; by?: string; reason: string } }[];
  };
  error?: { code?: string; message: string };
}

const KINDS: Readonly<Record<string, string>> = { deployment: 'Deployment', statefulset: 'StatefulSet', daemonset: 'DaemonSet', replicaset: 'ReplicaSet', job: 'Job', cronjob: 'CronJob', pod: 'Pod', rollout: 'Rollout' };

/** `shop:deployment/web` → its namespace, API kind and name; undefined for anything else (a kind tagpilot does not read in the cluster). */
export function parseWorkloadId(id: string): WorkloadId | undefined {
  const m = /^([a-z0-9-]{1,63}):([a-z]+)\/([a-z0-9.-]{1,253})$/.exec(id);
  const kind = m === null ? undefined : KINDS[m[2]!];
  return kind === undefined ? undefined : { namespace: m![1]!, kind, name: m![3]! };
}

/** A problem's workload, from the end of its subject (`file:line namespace:kind/name`). */
function workloadOf(subject: string): WorkloadId | undefined {
  return parseWorkloadId(subject.split(' ').at(-1) ?? '');
}

export function cycleEvents(outcome: OutcomeLike): EventSpec[] {
  if (outcome.error !== undefined) return [{ reason: 'Failed', action: 'Sync', note: `automation ${outcome.automation}: cycle failed (${outcome.error.code ?? 'internal'}): ${outcome.error.message}` }];
  const report = outcome.report;
  if (report === undefined) return [];
  const events: EventSpec[] = [];
  const byWorkload = new Map<string, string[]>();
  for (const c of report.changes) {
    const key = c.workload ?? c.file;
    const list = byWorkload.get(key) ?? [];
    list.push(`${c.container === undefined ? '' : `${c.container}: `}${c.repository} ${c.from} → ${c.to}`);
    byWorkload.set(key, list);
  }
  const commit = report.commit === undefined ? '' : ` in commit ${report.commit.slice(0, 12)}`;
  for (const [key, lines] of byWorkload) {
    const workload = parseWorkloadId(key);
    events.push({ workload, reason: 'Updated', action: 'Update', note: `${workload === undefined ? `${key}: ` : ''}${lines.join(', ')}${commit} (automation ${outcome.automation})` });
  }
  for (const id of report.locked) events.push({ workload: parseWorkloadId(id), reason: 'Blocked', action: 'Hold', note: `${parseWorkloadId(id) === undefined ? `${id}: ` : ''}locked in Git (tagpilot.io/locked)${lockedBy(id, report.slots)}; tagpilot leaves it alone` });
  for (const p of report.problems) {
    const workload = workloadOf(p.subject);
    const hold = p.code !== undefined && HOLD_CODES.has(p.code);
    events.push({ workload, reason: hold ? 'Blocked' : 'Failed', action: hold ? 'Hold' : 'Sync', note: `${workload === undefined ? `${p.subject}: ` : ''}${p.code ?? 'problem'}: ${p.message}` });
  }
  return events;
}

/** ` by alice: incident 4711`, from the workload's lock as its slots read it; empty when nothing is known. */
function lockedBy(id: string, slots: NonNullable<OutcomeLike['report']>['slots']): string {
  const hold = slots?.find((s) => s.workload === id && s.hold?.kind === 'locked')?.hold;
  if (hold === undefined) return '';
  return `${hold.by === undefined ? '' : ` by ${hold.by}`}: ${hold.reason}`;
}
