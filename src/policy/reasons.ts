/**
 * A selection's reasons, kept compact: one reference per tag (the shared `Rejected` verdict, or the
 * candidate's order key) instead of a `Rejection` object per tag. The list of `Rejection`s is made
 * when `selection.rejected` is first read (`policy test`, `plan`'s explanations); a controller that
 * needs only the winner and what holds it never builds it, and `rejectionsWith` builds only the
 * reason asked for.
 */
import { Rejected, Unexplained } from './ranking.ts';
import type { RejectReason, Rejection, Selection, TagInfo } from './types.ts';

export interface Outcomes {
  tags: readonly TagInfo[];
  /** Per tag: its `Rejected` verdict, or (for a candidate) anything else, such as its key. */
  verdicts: unknown[];
  /** The verdict of a tag turned down `Unexplained` (ranking.ts). */
  explain?: (at: number) => Rejected;
  /** Tags with this name are not listed (the selected tag, and the kept current one). */
  unlisted: string | null;
  /** Why a candidate was not selected; undefined lists it not at all. */
  loser?: (tag: string, key: unknown) => Rejection | undefined;
  /** Reasons `loser` can give, so a look for another reason skips the candidates. */
  loserReasons?: ReadonlySet<RejectReason>;
}

const reasonsOf = new WeakMap<Selection, Outcomes>();

/** The selection with `rejected` made from `outcomes` on first read (then kept, as a plain array). */
export function withReasons(selection: Omit<Selection, 'rejected'>, outcomes: Outcomes): Selection {
  const made = selection as Selection;
  Object.defineProperty(made, 'rejected', {
    enumerable: true,
    configurable: true,
    get(this: Selection) {
      const list = listOf(outcomes, undefined);
      settle(this, list);
      return list;
    },
    set(this: Selection, list: Rejection[]) {
      settle(this, list);
    },
  });
  reasonsOf.set(made, outcomes);
  return made;
}

function settle(selection: Selection, list: Rejection[]): void {
  Object.defineProperty(selection, 'rejected', { value: list, enumerable: true, configurable: true, writable: true });
  reasonsOf.delete(selection);
}

/**
 * The selection's rejections for one reason, in input order, without making the others. `among`
 * keeps only the tags it takes, asked before a tag's reason is worked out (one left unexplained
 * costs a reading of the tag: a caller that wants only some tags says which).
 */
export function rejectionsWith(selection: Selection, reason: RejectReason, among?: (tag: string) => boolean): Rejection[] {
  const outcomes = reasonsOf.get(selection);
  if (outcomes === undefined) return selection.rejected.filter((r) => r.reason === reason && (among === undefined || among(r.tag)));
  return listOf(outcomes, reason, among);
}

/** Whether any tag was turned down for `reason`. */
export function hasRejection(selection: Selection, reason: RejectReason): boolean {
  const outcomes = reasonsOf.get(selection);
  if (outcomes === undefined) return selection.rejected.some((r) => r.reason === reason);
  if (outcomes.loserReasons?.has(reason) === true) return listOf(outcomes, reason).length > 0;
  const { tags, verdicts, unlisted } = outcomes;
  for (let at = 0; at < verdicts.length; at++) {
    const verdict = verdictAt(outcomes, at, reason);
    if (verdict !== PASSED_BY && verdict instanceof Rejected && verdict.reason === reason && tagOf(tags[at] as TagInfo) !== unlisted) return true;
  }
  return false;
}

function listOf(outcomes: Outcomes, reason: RejectReason | undefined, among?: (tag: string) => boolean): Rejection[] {
  const { tags, unlisted, loser } = outcomes;
  const losers = loser !== undefined && (reason === undefined || outcomes.loserReasons?.has(reason) !== false);
  const list: Rejection[] = [];
  for (let at = 0; at < tags.length; at++) {
    const verdict = verdictAt(outcomes, at, reason, among);
    if (verdict === PASSED_BY) continue;
    const rejected = verdict instanceof Rejected;
    if (rejected ? reason !== undefined && verdict.reason !== reason : !losers) continue;
    const info = tags[at] as TagInfo;
    const tag = tagOf(info);
    if (tag === unlisted || (among !== undefined && !among(tag))) continue;
    const rejection = rejected ? rejectionOf(tag, verdict, info) : loser?.(tag, verdict);
    if (rejection !== undefined && (reason === undefined || rejection.reason === reason)) list.push(rejection);
  }
  return list;
}

/** What `verdictAt` gives for an unexplained tag that cannot be the reason asked: it stays unexplained. */
const PASSED_BY = Symbol('passed by');

/**
 * The verdict of the tag at `at`, an unexplained one worked out (and kept) when it may be `reason`
 * (any reason when undefined) and its tag is `among` those asked; `PASSED_BY` when not.
 */
function verdictAt(outcomes: Outcomes, at: number, reason: RejectReason | undefined, among?: (tag: string) => boolean): unknown {
  const verdict = outcomes.verdicts[at];
  if (!(verdict instanceof Unexplained) || outcomes.explain === undefined) return verdict;
  if (reason !== undefined && !verdict.reasons.has(reason)) return PASSED_BY;
  if (among !== undefined && !among(tagOf(outcomes.tags[at] as TagInfo))) return PASSED_BY;
  const explained = outcomes.explain(at);
  outcomes.verdicts[at] = explained;
  return explained;
}

/** The grammar check guards callers that skipped validation: a tag may not even be a string. */
function tagOf(info: TagInfo): string {
  return typeof info.tag === 'string' ? info.tag : String(info.tag);
}

/** Built field by field, `detail` only when there is one (as the explanations always had it). */
function rejectionOf(tag: string, verdict: Rejected, info: TagInfo): Rejection {
  const detail = verdict.detailFor(info);
  return detail === undefined ? { tag, reason: verdict.reason } : { tag, reason: verdict.reason, detail };
}
