/**
 * Auto-revert (docs/verification.md#auto-revert): a failed rollout of tagpilot's commit answered
 * by a commit that puts each failed slot back to its previous value, with a `Tagpilot-Operation:
 * auto-revert` trailer whose `from` is the failed tag. The revert rule (reverts.ts) reads that
 * trailer as it reads a person's rollback, so the failed tag is rejected for the slot and newer
 * tags still flow. Never a loop: a slot is reverted automatically at most once per tag, which is
 * read from the same history; a second failure of that tag holds (no commit) and is told.
 */
import type { GitAuthor } from '../git/index.ts';
import type { ImageSlot } from '../manifests/index.ts';
import type { OnFailure } from '../policy/index.ts';
import { parseOperationTrailers, type OperationTrailer } from './operation-trailer.ts';
import { runOperation, type OperationDeps } from './operation-run.ts';
import { finish, planOperation, type OperationPlan } from './operations.ts';
import { slotKey } from './rejections.ts';
import { oneLine } from './trailers.ts';
import { slotValue } from './revert-history.ts';
import { previousValue, tagOf, type HistoryCommit } from './reverts.ts';

/** A rollout verification that failed, as the verifier reports it (src/kube's VerificationResult fits). */
export interface FailedRollout {
  /** `namespace:kind/name` as slots name it (kind in lower case). */
  workload: string;
  /** tagpilot's commit whose rollout failed. */
  commit: string;
  images: readonly { container?: string; repository: string; to: string }[];
  /** The Pod's or workload's reason: ImagePullBackOff, CrashLoopBackOff, … */
  reason: string;
  detail: string;
}

/** A failed slot that is not reverted, and why (`reverted-before` is the loop guard: a person decides). */
export interface RevertHeld {
  slot: string;
  tag: string;
  why: 'reverted-before' | 'no-previous-value';
  /** reverted-before: the earlier auto-revert commit. */
  commit?: string;
  message: string;
}

export interface AutoRevertDecision {
  plan: OperationPlan;
  /** One per reverted slot: the failed value and the value restored. */
  reverted: { slot: string; repository: string; from: string; to: string }[];
  held: RevertHeld[];
}

const nothing = (): AutoRevertDecision => ({ plan: { edits: [], trailers: [], lines: [], message: '' }, reverted: [], held: [] });

/** Failure reasons that say nothing about the image (the API could not be read): never reverted. */
const NOT_THE_IMAGE = new Set(['Unreadable']);

/**
 * What to commit for a failed rollout at this head; pure. Only slots that still hold the failed
 * tag, of a workload that opted in (`tagpilot.io/on-failure: revert`, else `onFailure`), move.
 */
export function planAutoRevert(failure: FailedRollout, slots: readonly ImageSlot[], history: readonly HistoryCommit[], who: { by: string; at: string; onFailure: OnFailure }): AutoRevertDecision {
  const decision = nothing();
  const reason = `${failure.reason}: ${failure.detail}`;
  const plans: OperationPlan[] = [];
  for (const { slot, image } of failedSlots(failure, slots, who.onFailure)) {
    const key = slotKey(slot);
    const tag = tagOf(image.to);
    const before = earlierRevert(history, key, tag);
    if (before !== undefined) {
      decision.held.push({ slot: key, tag, why: 'reverted-before', commit: before, message: `${tag} failed again (${failure.reason}) after an automatic revert in ${before.slice(0, 12)}; not reverted twice: the slot holds for a person to decide` });
      continue;
    }
    const current = slotValue(slot)!;
    const previous = previousValue(history, key, current);
    if (previous === undefined) {
      decision.held.push({ slot: key, tag, why: 'no-previous-value', message: `${tag} failed (${failure.reason}), but the branch's history has no earlier value of the slot to go back to` });
      continue;
    }
    const plan = planOperation({ verb: 'auto-revert', target: failure.workload, ...(slot.container === undefined ? {} : { slot: slot.container }), by: who.by, at: who.at, reason, lock: false }, [slot], history);
    plans.push(plan);
    for (const t of plan.trailers) decision.reverted.push({ slot: key, repository: t.image ?? image.repository, from: t.from ?? current, to: t.to ?? previous.value });
  }
  const plan = finish(
    'auto-revert',
    plans.flatMap((p) => p.edits),
    plans.flatMap((p) => p.trailers),
    plans.flatMap((p) => p.lines),
  );
  // The subject stays short (the Pod's message is in the body and the trailer): what failed, and why.
  const what = plan.trailers.length === 1 && plan.trailers[0]!.slot !== undefined ? `${failure.workload} ${plan.trailers[0]!.slot}` : failure.workload;
  const failed = [...new Set(plan.trailers.map((t) => tagOf(t.from ?? '')))].join(', ');
  decision.plan = plan.trailers.length === 0 ? plan : { ...plan, message: plan.message.replace(/^.*\n/, `${oneLine(`tagpilot auto-revert ${what}: ${failed} failed (${failure.reason})`)}\n`) };
  return decision;
}

/**
 * The slots of the failure that opted in and still hold the failed tag; one moved on since (a
 * newer commit, a person) or gone has nothing of this failure to undo.
 */
export function failedSlots(failure: FailedRollout, slots: readonly ImageSlot[], onFailure: OnFailure): { slot: ImageSlot; image: FailedRollout['images'][number] }[] {
  if (NOT_THE_IMAGE.has(failure.reason)) return [];
  return failure.images.flatMap((image) => {
    const slot = slots.find((s) => s.workload === failure.workload && (image.container === undefined || s.container === image.container) && tagOf(slotValue(s) ?? '') === tagOf(image.to));
    return slot === undefined || (slot.onFailure ?? onFailure) !== 'revert' ? [] : [{ slot, image }];
  });
}

/** The commit of an earlier auto-revert of `tag` in this slot, if the history holds one. */
function earlierRevert(history: readonly HistoryCommit[], slot: string, tag: string): string | undefined {
  const match = (op: OperationTrailer) => op.verb === 'auto-revert' && `${op.target} ${op.slot ?? '-'}` === slot && op.from !== undefined && tagOf(op.from) === tag;
  return history.find((c) => parseOperationTrailers(c.message).some(match))?.oid;
}

export interface AutoRevertOutcome extends AutoRevertDecision {
  /** The revert commit, once the branch holds it; undefined when nothing was reverted. */
  commit?: string;
}

/**
 * The revert through the operations' path (fetch → read the slots → decide → edit → commit →
 * push as a compare-and-swap, recomputed on a lost race); the commit is the automation's.
 */
export async function autoRevert(deps: OperationDeps & { author: GitAuthor; onFailure: OnFailure }, failure: FailedRollout): Promise<AutoRevertOutcome> {
  let decision: AutoRevertDecision | undefined;
  const by = `${deps.author.name} <${deps.author.email}>`;
  const outcome = await runOperation(deps, async (slots, history) => {
    // Most failures are of workloads that did not opt in: their history is not read.
    if (failedSlots(failure, slots, deps.onFailure).length === 0) return (decision = nothing()).plan;
    const at = (deps.now ?? (() => new Date()))()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    decision = planAutoRevert(failure, slots, await history(), { by, at, onFailure: deps.onFailure });
    return decision.plan;
  });
  const decided = decision ?? { plan: outcome.plan, reverted: [], held: [] };
  return { ...decided, ...(outcome.commit === undefined ? { reverted: [] } : { commit: outcome.commit }) };
}
