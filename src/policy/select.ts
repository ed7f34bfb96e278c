/**
 * The selection engine: screens every tag (grammar, filters, policy), orders the candidates by the
 * policy's ranking, and never moves the slot backwards. Pure: same inputs, same Selection.
 *
 * One pass over the tags, keeping per tag only a reference (its shared verdict, or its key) and
 * the candidates' positions; the best is found without sorting. What each tag's parse costs is
 * paid once per tag list (list-memo.ts), and the explanations are made when they are read
 * (reasons.ts).
 */
import type { TagFilters } from './filters.ts';
import { memoOf, type ListMemo } from './list-memo.ts';
import { filtersSet, INVALID_TAG, screenMetadata, validAt, validColumn, validTag } from './screen.ts';
import { alphabetical, byBuildTime, byCapture, extractor, numerical } from './ordered.ts';
import type { Policy, SortedPolicy } from './policy.ts';
import { Rejected, type Keyed, type Ranking } from './ranking.ts';
import { withReasons, type Outcomes } from './reasons.ts';
import { relativeRanking } from './relative.ts';
import { semverRanking } from './semver-policy.ts';
import { selectDigest } from './digest.ts';
import { tagExtractor } from './extract.ts';
import { RANKED_LOWER, type CurrentImage, type Rejection, type SelectOptions, type Selection, type TagInfo } from './types.ts';

/** Picks the tag the policy allows; never below the current tag; explains every other tag. */
export function selectTag(policy: Policy, tags: readonly TagInfo[], current: CurrentImage = {}, options: SelectOptions = {}): Selection {
  const now = (options.now ?? new Date()).getTime();
  if (policy.kind === 'digest') return selectDigest(policy, tags, current, now);
  const memo = memoOf(tags);
  return rank(rankingFor(policy, validCurrent(current.tag), memo), policy, tags, current, now, memo);
}

function rankingFor(policy: Exclude<Policy, { kind: 'digest' }>, currentTag: string | undefined, memo: ListMemo | undefined): Ranking<unknown> {
  switch (policy.kind) {
    case 'semver':
      return semverRanking(policy.range, policy.compat, currentTag, policy.extract, memo) as Ranking<unknown>;
    case 'relative':
      return relativeRanking(policy.level, policy.compat, currentTag, memo) as Ranking<unknown>;
    case 'glob':
      return byBuildTime(policy.glob.test, `does not match glob "${policy.glob.source}"`, memo?.column(`glob\0${policy.glob.source}`)) as Ranking<unknown>;
    case 'regexp': {
      const mismatch = `does not match /${policy.regex.source}/`;
      const source = policy.regex.source;
      if (policy.group === undefined) return byBuildTime((tag) => policy.regex.test(tag), mismatch, memo?.column(`test\0${source}`)) as Ranking<unknown>;
      return byCapture(extractor(policy.regex, policy.group), mismatch, memo?.column(`capture\0${source}\0${policy.group}`)) as Ranking<unknown>;
    }
    case 'alphabetical':
    case 'numerical':
      return sortedRanking(policy, memo);
  }
}

function sortedRanking(policy: SortedPolicy, memo: ListMemo | undefined): Ranking<unknown> {
  const extract = policy.template === undefined || policy.regex === undefined ? extractor(policy.regex, policy.group) : tagExtractor({ regex: policy.regex, template: policy.template });
  const mismatch = `does not match /${policy.regex?.source ?? ''}/`;
  // What is extracted depends on the pattern, its group and the template: the column is named by all three.
  const what = `${policy.regex?.source ?? ''}\0${policy.group ?? ''}\0${policy.template ?? ''}`;
  if (policy.kind === 'alphabetical') return alphabetical(extract, policy.order, mismatch, memo?.column(`text\0${what}`)) as Ranking<unknown>;
  return numerical(extract, policy.order, mismatch, memo?.column(`number\0${what}`)) as Ranking<unknown>;
}

/** A slot holding no valid tag has nothing to keep: any candidate is an improvement. */
function validCurrent(tag: string | undefined): string | undefined {
  return tag !== undefined && validTag(tag) ? tag : undefined;
}

/**
 * Tags are screened once each, in input order; rejections keep that order. A registry lists each
 * tag once, so duplicates are not removed (a duplicate is explained twice, never selected twice).
 */
function rank<K>(ranking: Ranking<K>, policy: Policy, tags: readonly TagInfo[], slot: CurrentImage, now: number, memo: ListMemo | undefined): Selection {
  const currentTag = validCurrent(slot.tag);
  const verdicts = new Array<unknown>(tags.length);
  const candidates = narrow(ranking, verdicts, screenAll(ranking, policy.filters, tags, now, verdicts, memo));
  const best = pickBest(ranking, tags, verdicts, candidates);
  const decision = decide(ranking, policy, best, candidates.length, currentTag, keyOfCurrent(ranking, tags, currentTag));
  const selection: Omit<Selection, 'rejected'> = {
    selected: decision.selected,
    changed: decision.selected !== null && decision.selected !== slot.tag,
    why: decision.why,
  };
  if (decision.unranked === true) selection.currentUnranked = true;
  const unranked = decision.unranked === true;
  const loser = (tag: string, key: unknown): Rejection => (unranked ? unrankedCurrent(tag, currentTag) : explainLoser(ranking, { tag, key: key as K }, best, currentTag, decision.floor));
  // The kept current tag is not "rejected" even when the policy would not pick it today.
  const outcomes: Outcomes = { tags, verdicts, unlisted: decision.selected, loser, loserReasons: RANKED_LOWER };
  const explain = ranking.explain;
  if (explain !== undefined) outcomes.explain = (at) => explain(tags[at] as TagInfo, at);
  return withReasons(selection, outcomes);
}

/** Fills `verdicts` (a `Rejected` or the key, per tag) and returns the candidates' positions. */
function screenAll<K>(ranking: Ranking<K>, filters: TagFilters, tags: readonly TagInfo[], now: number, verdicts: unknown[], memo: ListMemo | undefined): number[] {
  const candidates: number[] = [];
  // A ranking that checks the grammar itself (its own reading proves most tags valid) is asked first.
  const checks = ranking.checksGrammar !== true;
  const valid = checks ? validColumn(memo) : undefined;
  const filtered = filtersSet(filters);
  for (let at = 0; at < tags.length; at++) {
    const info = tags[at] as TagInfo;
    if (checks && !validAt(valid, at, info.tag)) {
      verdicts[at] = INVALID_TAG;
      continue;
    }
    const verdict = ranking.admit(info, at);
    const rejected = verdict instanceof Rejected ? verdict : filtered ? screenMetadata(filters, info, now) : undefined;
    verdicts[at] = rejected ?? verdict;
    if (rejected === undefined) candidates.push(at);
  }
  return candidates;
}

/** Drops the candidates a rule over all of them rejects (a new slot's precision), with the reason. */
function narrow<K>(ranking: Ranking<K>, verdicts: unknown[], candidates: number[]): number[] {
  const verdictOf = ranking.narrow?.();
  if (verdictOf === undefined) return candidates;
  const kept: number[] = [];
  for (const at of candidates) {
    const rejected = verdictOf(verdicts[at] as K);
    if (rejected === undefined) kept.push(at);
    else verdicts[at] = rejected;
  }
  return kept;
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

/** The best candidate, in one pass: the key and tag of the leader are the only state. */
function pickBest<K>(ranking: Ranking<K>, tags: readonly TagInfo[], verdicts: readonly unknown[], candidates: readonly number[]): Keyed<K> | undefined {
  if (candidates.length === 0) return undefined;
  const first = candidates[0] as number;
  const best: Keyed<K> = { tag: (tags[first] as TagInfo).tag, key: verdicts[first] as K };
  const rival: Keyed<K> = { tag: '', key: best.key };
  for (let i = 1; i < candidates.length; i++) {
    const at = candidates[i] as number;
    rival.tag = (tags[at] as TagInfo).tag;
    rival.key = verdicts[at] as K;
    if (beats(ranking, rival, best)) {
      best.tag = rival.tag;
      best.key = rival.key;
    }
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
  let listed: TagInfo | undefined;
  for (const info of tags) {
    if (info.tag !== tag) continue;
    listed = info;
    break;
  }
  return ranking.keyOf(listed ?? { tag });
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
