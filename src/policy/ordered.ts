/**
 * Rankings for pattern policies: `glob:` and `regexp:` (by build time, or by a named capture) and
 * `alphabetical:` / `numerical:` (by the tag or a named capture, ascending or descending).
 */
import type { Matcher, TagRegex } from './pattern.ts';
import { cell, type Column } from './list-memo.ts';
import type { Ranking, Verdict } from './ranking.ts';
import { reject, Rejected } from './ranking.ts';
import { compareDecimal, compareDigits, compareNatural, compareText, parseDecimal, type Decimal } from './natural.ts';
import type { TagInfo } from './types.ts';
import { compareVersions, parseVersion, type Version } from './version.ts';

/** Build time in ms since the epoch, or undefined when unknown or unreadable. */
function buildTime(info: TagInfo): number | undefined {
  const ms = info.created?.getTime();
  return ms === undefined || Number.isNaN(ms) ? undefined : ms;
}

/**
 * Newest build wins. Equal build times (the same image pushed under several tags) go to the tag
 * that is highest in numeric-aware order (`1.2.10` over `1.2.9`, `b` over `a`).
 */
export function byBuildTime(matches: Matcher['test'], mismatch: string, column?: Column): Ranking<number> {
  const noMatch = reject('filter-mismatch', mismatch);
  const noTime = reject('unknown-build-time');
  return {
    admit(info, at): Verdict<number> {
      if (!cell(column, at, info.tag, matches)) return noMatch;
      const ms = buildTime(info);
      return ms ?? noTime;
    },
    keyOf: buildTime,
    compare: (a, b) => a - b,
    prefer: (a, b) => compareNatural(b.tag, a.tag),
    keyFromRegistry: true,
  };
}

export interface Capture {
  text: string;
  version: Version | null;
  /** Digits too many for a version part (timestamps to the millisecond): compared as numbers. */
  long: boolean;
}

const LONG_NUMBER = /^\d{16,}$/;

export function toCapture(text: string): Capture {
  return { text, version: parseVersion(text), long: LONG_NUMBER.test(text) };
}

/**
 * The order of captures: numbers (of any length) and versions compare as versions, above plain
 * text, which compares in byte order. A long number is a version whose major part is beyond any
 * other, so the order stays total and transitive.
 */
export function compareCaptures(a: Capture, b: Capture): number {
  if (a.long && b.long) return compareDigits(a.text, b.text);
  const rankA = captureRank(a);
  const rankB = captureRank(b);
  if (rankA !== rankB) return rankA - rankB;
  if (a.version !== null && b.version !== null) return compareVersions(a.version, b.version) || compareText(a.version.variant, b.version.variant);
  return compareText(a.text, b.text);
}

function captureRank(capture: Capture): number {
  if (capture.long) return 2;
  return capture.version === null ? 0 : 1;
}

/** The text the policy orders a tag by: a named group's capture, or the whole tag. */
export function extractor(regex: TagRegex | undefined, group: string | undefined): (tag: string) => string | undefined {
  if (regex === undefined) return (tag) => tag;
  if (group === undefined) return (tag) => (regex.test(tag) ? tag : undefined);
  return (tag) => regex.capture(tag, group);
}

export function byCapture(extract: (tag: string) => string | undefined, mismatch: string, column?: Column): Ranking<Capture> {
  const noMatch = reject('filter-mismatch', mismatch);
  const captureOf = (tag: string): Capture | undefined => {
    const text = extract(tag);
    return text === undefined ? undefined : toCapture(text);
  };
  return {
    admit(info, at): Verdict<Capture> {
      return cell(column, at, info.tag, captureOf) ?? noMatch;
    },
    keyOf: (info) => captureOf(info.tag),
    compare: compareCaptures,
    prefer: (a, b) => compareNatural(b.tag, a.tag),
  };
}

export type SortOrder = 'asc' | 'desc';

/** Flux v2 semantics: `asc` picks the last in ascending order (the highest), `desc` the lowest. */
export function alphabetical(extract: (tag: string) => string | undefined, order: SortOrder, mismatch: string, column?: Column): Ranking<string> {
  const sign = order === 'asc' ? 1 : -1;
  const noMatch = reject('filter-mismatch', mismatch);
  return {
    admit(info, at): Verdict<string> {
      return cell(column, at, info.tag, extract) ?? noMatch;
    },
    keyOf: (info) => extract(info.tag),
    compare: (a, b) => sign * compareText(a, b),
  };
}

export function numerical(extract: (tag: string) => string | undefined, order: SortOrder, mismatch: string, column?: Column): Ranking<Decimal> {
  const sign = order === 'asc' ? 1 : -1;
  const noMatch = reject('filter-mismatch', mismatch);
  const notANumber = new Rejected('not-a-number', undefined, (info) => `"${extract(info.tag) ?? ''}" is not a number`);
  /** The number, null when the text is not one, undefined when the pattern does not match. */
  const decimalOf = (tag: string): Decimal | null | undefined => {
    const text = extract(tag);
    return text === undefined ? undefined : parseDecimal(text);
  };
  return {
    admit(info, at): Verdict<Decimal> {
      const key = cell(column, at, info.tag, decimalOf);
      if (key === undefined) return noMatch;
      return key === null ? notANumber : key;
    },
    keyOf: (info) => decimalOf(info.tag) ?? undefined,
    compare: (a, b) => sign * compareDecimal(a, b),
  };
}
