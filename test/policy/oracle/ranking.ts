/** Frozen copy of the selection engine as it was at main bb6152d, before the reasons were made lazy: the test oracle of test/policy/oracle.test.ts. Not used by src/. */
/** How each policy kind plugs into the selection engine (select.ts). */
import type { RejectReason, TagInfo } from '../../../src/policy/types.ts';

export type Verdict<K> = { key: K } | { reason: RejectReason; detail?: string };

export interface Keyed<K> {
  tag: string;
  key: K;
}

export interface Ranking<K> {
  /** Whether the tag is a candidate under the policy (filters aside), with its order key. */
  admit(info: TagInfo): Verdict<K>;
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
   * Called once after every tag was admitted, for rules that depend on all the candidates (a new
   * slot takes the highest precision present): a rejection for each candidate that drops out.
   */
  narrow?(): (key: K) => Verdict<K> | undefined;
}

/**
 * A rejection verdict. Rankings build the ones that do not depend on the tag once, and return the
 * same object for every tag: the engine copies it into the Rejection it reports.
 */
export function reject<K>(reason: RejectReason, detail?: string): Verdict<K> {
  return detail === undefined ? { reason } : { reason, detail };
}
