/** Frozen copy of the selection engine as it was at main bb6152d, before the reasons were made lazy: the test oracle of test/policy/oracle.test.ts. Not used by src/. */
/**
 * The selection engine: screens every tag (grammar, filters, policy), orders the candidates by the
 * policy's ranking, and never moves the slot backwards. Pure: same inputs, same Selection.
 */
import type { TagFilters } from '../../../src/policy/filters.ts';
import { screen, screenMetadata } from './screen.ts';
import { alphabetical, byBuildTime, byCapture, numerical } from './ordered.ts';
import { extractor } from '../../../src/policy/ordered.ts';
import type { Policy } from '../../../src/policy/policy.ts';
import type { Keyed, Ranking } from './ranking.ts';
import { relativeRanking } from './relative.ts';
import { semverRanking } from './semver-policy.ts';
import { selectDigest } from './digest.ts';
import { tagExtractor } from '../../../src/policy/extract.ts';
import type { CurrentImage, Rejection, SelectOptions, Selection, TagInfo } from '../../../src/policy/types.ts';
import { isValidTag } from '../../../src/image/index.ts';

/** Picks the tag the policy allows; never below the current tag; explains every other tag. */
export function selectTag(policy: Policy, tags: readonly TagInfo[], current: CurrentImage = {}, options: SelectOptions = {}): Selection {
  const now = (options.now ?? new Date()).getTime();
  switch (policy.kind) {
    case 'digest':
      return selectDigest(policy, tags, current, now);
    case 'semver':
      return rank(semverRanking(policy.range, policy.compat, validTag(current.tag), policy.extract), policy, tags, current, now);
    case 'relative':
      return rank(relativeRanking(policy.level, policy.compat, validTag(current.tag)), policy, tags, current, now);
    case 'glob':
      return rank(byBuildTime(policy.glob.test, `does not match glob "${policy.glob.source}"`), policy, tags, current, now);
    case 'regexp': {
      const mismatch = `does not match /${policy.regex.source}/`;
      if (policy.group === undefined)
        return rank(
          byBuildTime((tag) => policy.regex.test(tag), mismatch),
          policy,
          tags,
          current,
          now,
        );
      return rank(byCapture(extractor(policy.regex, policy.group), mismatch), policy, tags, current, now);
    }
    case 'alphabetical':
    case 'numerical': {
      const extract = policy.template === undefined || policy.regex === undefined ? extractor(policy.regex, policy.group) : tagExtractor({ regex: policy.regex, template: policy.template });
      const mismatch = `does not match /${policy.regex?.source ?? ''}/`;
      if (policy.kind === 'alphabetical') return rank(alphabetical(extract, policy.order, mismatch), policy, tags, current, now);
      return rank(numerical(extract, policy.order, mismatch), policy, tags, current, now);
    }
  }
}

/**
 * Tags are screened once each, in input order; rejections keep that order. A registry lists each
 * tag once, so duplicates are not removed (a duplicate is explained twice, never selected twice).
 */
/** A slot holding no valid tag has nothing to keep: any candidate is an improvement. */
function validTag(tag: string | undefined): string | undefined {
  return tag !== undefined && isValidTag(tag) ? tag : undefined;
}

function rank<K>(ranking: Ranking<K>, policy: Policy, tags: readonly TagInfo[], slot: CurrentImage, now: number): Selection {
  const currentTag = validTag(slot.tag);
  const { outcomes, candidates } = narrow(ranking, screenAll(ranking, policy.filters, tags, now));
  const best = pickBest(ranking, candidates);
  const decision = decide(ranking, policy, best, candidates.length, currentTag, keyOfCurrent(ranking, tags, currentTag));
  for (const candidate of candidates) {
    if (candidate.tag === decision.selected) continue;
    outcomes[candidate.index] = decision.unranked === true ? unrankedCurrent(candidate.tag, currentTag) : explainLoser(ranking, candidate, best, currentTag, decision.floor);
  }
  const selection: Selection = {
    selected: decision.selected,
    changed: decision.selected !== null && decision.selected !== slot.tag,
    // The kept current tag is not "rejected" even when the policy would not pick it today.
    rejected: outcomes.filter((outcome): outcome is Rejection => outcome !== undefined && outcome.tag !== decision.selected),
    why: decision.why,
  };
  if (decision.unranked === true) selection.currentUnranked = true;
  return selection;
}

function screenAll<K>(ranking: Ranking<K>, filters: TagFilters, tags: readonly TagInfo[], now: number): Screened<K> {
  const outcomes = new Array<Rejection | undefined>(tags.length);
  const candidates: Candidate<K>[] = [];
  for (let index = 0; index < tags.length; index++) {
    const info = tags[index] as TagInfo;
    const result = screen(info) ?? admit(ranking, filters, info, now);
    if ('key' in result) candidates.push({ tag: info.tag, key: result.key, index });
    else outcomes[index] = result;
  }
  return { outcomes, candidates };
}

/** Drops the candidates a rule over all of them rejects (a new slot's precision), with the reason. */
function narrow<K>(ranking: Ranking<K>, screened: Screened<K>): Screened<K> {
  const verdictOf = ranking.narrow?.();
  if (verdictOf === undefined) return screened;
  const candidates: Candidate<K>[] = [];
  for (const candidate of screened.candidates) {
    const verdict = verdictOf(candidate.key);
    if (verdict === undefined || 'key' in verdict) candidates.push(candidate);
    else screened.outcomes[candidate.index] = verdict.detail === undefined ? { tag: candidate.tag, reason: verdict.reason } : { tag: candidate.tag, reason: verdict.reason, detail: verdict.detail };
  }
  return { outcomes: screened.outcomes, candidates };
}

interface Screened<K> {
  outcomes: (Rejection | undefined)[];
  candidates: Candidate<K>[];
}

interface Decision<K> {
  selected: string | null;
  /** The current tag's key when it bounds the selection (no downgrade), for explanations. */
  floor: K | undefined;
  why: string;
  /** Kept because the current tag cannot be ranked (invariant 9: held, not replaced). */
  unranked?: true;
}

/** Best candidate or current tag: equal never changes the slot; lower only when the user asked. */
function decide<K>(ranking: Ranking<K>, policy: Policy, best: Keyed<K> | undefined, count: number, currentTag: string | undefined, currentKey: K | undefined): Decision<K> {
  if (best === undefined) return { selected: currentTag ?? null, floor: currentKey, why: `no tag satisfies ${policy.source}${currentTag === undefined ? '' : `; kept ${currentTag}`}` };
  const moved = `${best.tag} is the newest of ${count} candidate${count === 1 ? '' : 's'} under ${policy.source}`;
  if (currentKey === undefined) {
    // A tag whose name puts it outside the order (`latest` under semver) is replaced; one whose place is only unknown is held.
    if (currentTag === undefined || ranking.keyFromRegistry !== true) return { selected: best.tag, floor: undefined, why: moved };
    if (policy.allowDowngrade === true) return { selected: best.tag, floor: undefined, why: `${moved}; current ${currentTag} has no known build time, and downgrades are allowed` };
    return { selected: currentTag, floor: undefined, why: `kept ${currentTag}: its build time is unknown, so ${best.tag} may be older`, unranked: true };
  }
  const lead = ranking.compare(best.key, currentKey);
  if (lead > 0) return { selected: best.tag, floor: currentKey, why: moved };
  if (lead < 0 && policy.allowDowngrade === true) return { selected: best.tag, floor: undefined, why: `${moved}; downgrade from ${currentTag} allowed` };
  return { selected: currentTag ?? null, floor: currentKey, why: `kept ${currentTag}: no candidate under ${policy.source} is newer (best: ${best.tag})` };
}

interface Candidate<K> extends Keyed<K> {
  index: number;
}

function admit<K>(ranking: Ranking<K>, filters: TagFilters, info: TagInfo, now: number): Rejection | { key: K } {
  const verdict = ranking.admit(info);
  if ('key' in verdict) return screenMetadata(filters, info, now) ?? verdict;
  // Built field by field: object spread is measurably slower over 10,000 tags.
  const rejection: Rejection = { tag: info.tag, reason: verdict.reason };
  if (verdict.detail !== undefined) rejection.detail = verdict.detail;
  return rejection;
}

function pickBest<K>(ranking: Ranking<K>, candidates: readonly Keyed<K>[]): Keyed<K> | undefined {
  let best: Keyed<K> | undefined;
  for (const candidate of candidates) {
    if (best === undefined || beats(ranking, candidate, best)) best = candidate;
  }
  return best;
}

/** The policy's order, then its spelling preference, then byte order: total over distinct tags. */
function beats<K>(ranking: Ranking<K>, a: Keyed<K>, b: Keyed<K>): boolean {
  const cmp = ranking.compare(a.key, b.key);
  if (cmp !== 0) return cmp > 0;
  const preference = ranking.prefer?.(a, b) ?? 0;
  if (preference !== 0) return preference < 0;
  return a.tag < b.tag;
}

/** The current tag's place in the policy's order, with its registry metadata when listed. */
function keyOfCurrent<K>(ranking: Ranking<K>, tags: readonly TagInfo[], tag: string | undefined): K | undefined {
  if (tag === undefined) return undefined;
  return ranking.keyOf(tags.find((info) => info.tag === tag) ?? { tag });
}

function unrankedCurrent(tag: string, currentTag: string | undefined): Rejection {
  return { tag, reason: 'current-unranked', detail: `cannot be compared with current ${currentTag ?? ''}, whose build time is unknown; held` };
}

/** `floor` is the current tag's key when the current tag bounds the selection (no downgrade). */
function explainLoser<K>(ranking: Ranking<K>, loser: Keyed<K>, best: Keyed<K> | undefined, currentTag: string | undefined, currentKey: K | undefined): Rejection {
  const tag = loser.tag;
  if (currentKey !== undefined) {
    const cmp = ranking.compare(loser.key, currentKey);
    if (cmp < 0) return { tag, reason: 'older-than-current', detail: `current ${currentTag} ranks higher` };
    if (cmp === 0 && tag !== currentTag) return { tag, reason: 'equal-to-current', detail: `same place in the order as current ${currentTag}; kept` };
  }
  const winner = best?.tag ?? '';
  const tie = best !== undefined && ranking.compare(loser.key, best.key) === 0;
  return { tag, reason: 'not-newest', detail: tie ? `ties with ${winner}, which the tie-break prefers` : `${winner} ranks higher` };
}
