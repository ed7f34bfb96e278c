import { HOLD_CODES } from '../problems/index.ts';
import type { CycleOutcome, Reporter } from '../runtime/index.ts';
import type { NotifyEvent } from './message.ts';
import type { Notifier } from './notifier.ts';

/** The parts of a rollout verification's result a notification is made of (kube's VerificationResult fits). */
export interface VerificationLike {
  target: { automation: string; workload: { namespace: string; kind: string; name: string }; commit: string; expected: readonly { repository: string; to: string }[] };
  outcome: 'Verified' | 'Failed' | 'NotApplied';
  reason?: string;
  detail: string;
}

/** A cycle's notifications: `updated` per changed slot of a pushed commit, `held-back` per hold. */
export function notifyEvents(automation: string, report: { commit?: string; changes: readonly { workload?: string; file: string; repository: string; from: string; to: string }[]; problems: readonly { code?: string; subject: string; message: string }[] }): NotifyEvent[] {
  const events: NotifyEvent[] = [];
  if (report.commit !== undefined) {
    for (const c of report.changes) events.push({ kind: 'updated', automation, workload: c.workload ?? c.file, repository: c.repository, tag: c.to, from: c.from, commit: report.commit, detail: `${c.from} → ${c.to}` });
  }
  for (const p of report.problems) {
    if (p.code === undefined || !HOLD_CODES.has(p.code)) continue;
    events.push({ kind: 'held-back', automation, workload: p.subject.split(' ').at(-1) ?? p.subject, repository: '', tag: '', reason: p.code, detail: p.message });
  }
  return events;
}

/** A verification's notifications, one per image: `verified`, or `failed` (NotApplied is a failure with that reason). */
export function verificationEvent(result: VerificationLike): NotifyEvent[] {
  const { target } = result;
  const workload = `${target.workload.namespace}:${target.workload.kind.toLowerCase()}/${target.workload.name}`;
  const failed = result.outcome !== 'Verified';
  return target.expected.map((e) => ({ kind: failed ? 'failed' : 'verified', automation: target.automation, workload, repository: e.repository, tag: e.to, commit: target.commit, reason: failed ? (result.reason ?? result.outcome) : undefined, detail: result.detail }));
}

/** What an automatic revert did (automation's AutoRevertOutcome fits): the slots put back, and those held instead. */
export interface RevertLike {
  commit?: string;
  reverted: readonly { slot: string; repository: string; from: string; to: string }[];
  held: readonly { slot: string; tag: string; message: string }[];
}

/** An automatic revert's notifications: `reverted` per slot put back, `held-back` (reason `auto-revert-held`) per slot not reverted again. */
export function revertEvents(failure: VerificationLike, revert: RevertLike): NotifyEvent[] {
  const { target } = failure;
  const workload = `${target.workload.namespace}:${target.workload.kind.toLowerCase()}/${target.workload.name}`;
  const repository = (tag: string) => target.expected.find((e) => e.to.split('@')[0] === tag)?.repository ?? '';
  const reason = failure.reason ?? failure.outcome;
  return [
    ...(revert.commit === undefined ? [] : revert.reverted.map((r): NotifyEvent => ({ kind: 'reverted', automation: target.automation, workload, repository: r.repository, tag: r.to, from: r.from, commit: revert.commit, reason, detail: failure.detail }))),
    ...revert.held.map((h): NotifyEvent => ({ kind: 'held-back', automation: target.automation, workload, repository: repository(h.tag), tag: h.tag, commit: target.commit, reason: 'auto-revert-held', detail: h.message })),
  ];
}

/** A runtime Reporter that notifies each cycle's updates and holds (never waits: `notify` returns at once). */
export function notifyReporter(notifier: Notifier): Reporter {
  return {
    cycleEnded(outcome: CycleOutcome) {
      if (!('report' in outcome)) return;
      for (const event of notifyEvents(outcome.automation, outcome.report)) notifier.notify(event);
    },
    stopped() {},
  };
}
