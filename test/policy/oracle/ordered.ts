/** Frozen copy of the selection engine as it was at main bb6152d, before the reasons were made lazy: the test oracle of test/policy/oracle.test.ts. Not used by src/. */
/**
 * Rankings for pattern policies: `glob:` and `regexp:` (by build time, or by a named capture) and
 * `alphabetical:` / `numerical:` (by the tag or a named capture, ascending or descending).
 */
import type { Matcher } from '../../../src/policy/pattern.ts';
import type { Ranking, Verdict } from './ranking.ts';
import { reject } from './ranking.ts';
import { compareDecimal, compareNatural, compareText, parseDecimal, type Decimal } from '../../../src/policy/natural.ts';
import { compareCaptures, toCapture, type Capture, type SortOrder } from '../../../src/policy/ordered.ts';
import type { TagInfo } from '../../../src/policy/types.ts';

/** Build time in ms since the epoch, or undefined when unknown or unreadable. */
function buildTime(info: TagInfo): number | undefined {
  const ms = info.created?.getTime();
  return ms === undefined || Number.isNaN(ms) ? undefined : ms;
}

/**
 * Newest build wins. Equal build times (the same image pushed under several tags) go to the tag
 * that is highest in numeric-aware order (`1.2.10` over `1.2.9`, `b` over `a`).
 */
export function byBuildTime(matches: Matcher['test'], mismatch: string): Ranking<number> {
  const noMatch = reject<number>('filter-mismatch', mismatch);
  const noTime = reject<number>('unknown-build-time');
  return {
    admit(info): Verdict<number> {
      if (!matches(info.tag)) return noMatch;
      const ms = buildTime(info);
      return ms === undefined ? noTime : { key: ms };
    },
    keyOf: buildTime,
    compare: (a, b) => a - b,
    prefer: (a, b) => compareNatural(b.tag, a.tag),
    keyFromRegistry: true,
  };
}

export function byCapture(extract: (tag: string) => string | undefined, mismatch: string): Ranking<Capture> {
  const noMatch = reject<Capture>('filter-mismatch', mismatch);
  const keyOf = (info: TagInfo): Capture | undefined => {
    const text = extract(info.tag);
    return text === undefined ? undefined : toCapture(text);
  };
  return {
    admit(info): Verdict<Capture> {
      const key = keyOf(info);
      return key === undefined ? noMatch : { key };
    },
    keyOf,
    compare: compareCaptures,
    prefer: (a, b) => compareNatural(b.tag, a.tag),
  };
}

/** Flux v2 semantics: `asc` picks the last in ascending order (the highest), `desc` the lowest. */
export function alphabetical(extract: (tag: string) => string | undefined, order: SortOrder, mismatch: string): Ranking<string> {
  const sign = order === 'asc' ? 1 : -1;
  const noMatch = reject<string>('filter-mismatch', mismatch);
  return {
    admit(info): Verdict<string> {
      const key = extract(info.tag);
      return key === undefined ? noMatch : { key };
    },
    keyOf: (info) => extract(info.tag),
    compare: (a, b) => sign * compareText(a, b),
  };
}

export function numerical(extract: (tag: string) => string | undefined, order: SortOrder, mismatch: string): Ranking<Decimal> {
  const sign = order === 'asc' ? 1 : -1;
  const noMatch = reject<Decimal>('filter-mismatch', mismatch);
  const keyOf = (info: TagInfo): Decimal | undefined => {
    const text = extract(info.tag);
    return text === undefined ? undefined : (parseDecimal(text) ?? undefined);
  };
  return {
    admit(info): Verdict<Decimal> {
      const text = extract(info.tag);
      if (text === undefined) return noMatch;
      const key = parseDecimal(text);
      return key === null ? reject('not-a-number', `"${text}" is not a number`) : { key };
    },
    keyOf,
    compare: (a, b) => sign * compareDecimal(a, b),
  };
}
