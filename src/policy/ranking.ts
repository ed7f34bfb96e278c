/** How each policy kind plugs into the selection engine (select.ts). */
import type { RejectReason, TagInfo } from './types.ts';

/**
 * Why a tag is not a candidate. Rankings and filters build each one once and return the same
 * object for every tag it applies to: the engine keeps a reference per tag and makes the
 * `Rejection` only when an explanation is read. A detail that names something of the tag itself
 * (its build time, its missing platforms) is written by `describe`, then.
 */
export class Rejected {
  readonly reason: RejectReason;
  readonly detail: string | undefined;
  readonly describe: ((info: TagInfo) => string) | undefined;

  constructor(reason: RejectReason, detail?: string, describe?: (info: TagInfo) => string) {
    this.reason = reason;
    this.detail = detail;
    this.describe = describe;
  }

  /** The detail for this tag. */
  detailFor(info: TagInfo): string | undefined {
    return this.describe === undefined ? this.detail : this.describe(info);
  }
}

/**
 * The verdict of a tag a ranking turned down on what it read first (a version's numeric core, say)
 * before reading what says why: `Ranking.explain` works the reason out when an explanation asks
 * for it (reasons.ts), so the reason of the many tags nobody asks about is never worked out.
 * `reasons` are those it can turn out to be: a look for another reason passes it by unexplained.
 * Never shown: its own reason is a placeholder.
 */
export class Unexplained extends Rejected {
  readonly reasons: ReadonlySet<RejectReason>;

  constructor(reasons: readonly RejectReason[]) {
    super('not-a-version', 'unexplained');
    this.reasons = new Set(reasons);
  }
}

/** A candidate's order key, or why the tag is not one. Keys are never `Rejected` instances. */
export type Verdict<K> = K | Rejected;

export interface Keyed<K> {
  tag: string;
  key: K;
}

export interface Ranking<K> {
  /** Whether the tag (at `at` in the list) is a candidate under the policy (filters aside), with its order key. */
  admit(info: TagInfo, at: number): Verdict<K>;
  /**
   * The verdict of the tag at `at` that `admit` turned down `Unexplained`: the one it would have
   * given had it read the whole tag. Set by a ranking that returns `Unexplained` verdicts.
   */
  explain?(info: TagInfo, at: number): Rejected;
  /** The order key of the current tag, ignoring the policy's range; undefined when it has none. */
  keyOf(info: TagInfo): K | undefined;
  /** The policy's order: positive when `a` is newer. Equal keys never cause a change. */
  compare(a: K, b: K): number;
  /** Among candidates with equal keys, negative when `a` wins. Default: lower byte order. */
  prefer?(a: Keyed<K>, b: Keyed<K>): number;
  /**
   * Keys come from what the registry says about a tag (its build time), not from its name. A
   * current tag without one still has a place in the order, only an unknown one: any candidate
   * may be older, so it is held, never replaced.
   */
  keyFromRegistry?: boolean;
  /**
   * `admit` turns down a tag outside the tag grammar itself, with the shared invalid-tag verdict,
   * so the engine does not check the grammar first (a version ranking: a tag read as a version is
   * made of tag characters, so only its length and the tags that are not versions need the check).
   */
  checksGrammar?: boolean;
  /**
   * Called once after every tag was admitted, for rules that depend on all the candidates (a new
   * slot takes the highest precision present): a rejection for each candidate that drops out.
   */
  narrow?(): (key: K) => Rejected | undefined;
}

/** A rejection verdict, built once by a ranking and shared by every tag it applies to. */
export function reject(reason: RejectReason, detail?: string): Rejected {
  return new Rejected(reason, detail);
}
