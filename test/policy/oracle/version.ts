/** Frozen copy of the version parser as it was at main 201a870, before it read suffixes in place in the tag: the oracle of test/policy/oracle.test.ts and of version.test.ts's equivalence property. Not used by src/. */
/**
 * Version tags as registries spell them: an optional `v`, a numeric core of one to four parts
 * (`16`, `16.1`, `1.25.3`, `4.0.11.2680`, zero padding as calver has it), then an optional suffix
 * after the first `-`. The suffix holds a **prerelease** when it begins with a prerelease word
 * (`-rc.1`, `-beta2`, also attached as in `3.13.0rc1`), then a **variant** (`alpine3.18`,
 * `slim-bookworm`), which may end in a **build counter** (`-ls133`, `-r1`, `-debian-12-r3`).
 * Ordering is numeric part by part, then prerelease (numeric-aware), then counter.
 */
import { compareNatural } from '../../../src/policy/natural.ts';

export type Identifier = number | string;

export interface Version {
  /** Numeric parts as written, 1 to 4 of them; missing parts count as 0 when comparing. */
  release: number[];
  /** Prerelease identifiers (`rc.1` → `['rc', 1]`); empty for a release. */
  prerelease: Identifier[];
  /** The suffix without its prerelease, counter and commit hash: `''` for the plain variant. */
  variant: string;
  /** The build counter as written (`ls133`, `r7-ls252`, `3`); `''` for none. */
  build: string;
}

/** At most 15 digits per part, so every part is an exact integer in a double. */
const MAX_DIGITS = 15;
const NUMERIC = /^\d{1,15}$/;
const GLUED = /^[0-9A-Za-z_]+(?:\.[0-9A-Za-z_]+)*$/;
/**
 * The words a prerelease begins with, in any case, not followed by a letter (`dev1` is one,
 * `devel` is not). Single letters (PEP 440's `a1`, `b2`, `c1`; Redis's `M02`) need a digit.
 */
const PRERELEASE_WORD = /^(?:alpha|beta|rc|pre|preview|dev|snapshot|nightly|canary|milestone|eap|ea|cr|[abcm](?=\d))(?![a-z])/i;
/** The letters a prerelease word can begin with (lowercased): most variants fail this test alone. */
const PRERELEASE_INITIAL = new Set('abcdemnprs');
/** 7–40 lowercase hex characters, not all digits: a commit hash, never a version. */
export function isCommitHash(text: string): boolean {
  return isCommitHashAt(text, 0, text.length);
}

/**
 * A scanner for the core rather than one regular expression: it runs on every tag of every image
 * each cycle, and reading digits in place avoids allocating a match and a substring per part.
 */
export function parseVersion(tag: string): Version | null {
  const first = tag.charCodeAt(0);
  let i = first === 118 || first === 86 ? 1 : 0; // v, V
  // The parts go into an array of exactly their number: growing one by push costs a spare store.
  const parts = [0, 0, 0, 0];
  let count = 0;
  for (;;) {
    const start = i;
    let value = 0;
    for (; i < tag.length; i++) {
      const c = tag.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    if (i === start || i - start > MAX_DIGITS) return null;
    parts[count++] = value;
    if (i === tag.length) return version(releaseOf(parts, count), NO_PRERELEASE, '', '');
    const separator = tag.charCodeAt(i);
    if (separator === 45) return withSuffix(releaseOf(parts, count), '', tag.slice(i + 1)); // -
    if (separator !== 46 || count === 4) return attached(tag, releaseOf(parts, count), i); // .
    i++;
  }
}

function releaseOf(parts: readonly number[], count: number): number[] {
  const [a = 0, b = 0, c = 0, d = 0] = parts;
  return count === 3 ? [a, b, c] : count === 2 ? [a, b] : count === 1 ? [a] : [a, b, c, d];
}

/** Every Version is built here, so all have one shape (the engine reads millions of them). */
function version(release: number[], prerelease: Identifier[], variant: string, build: string): Version {
  return { release, prerelease, variant, build };
}

/** `3.13.0rc1`, `3.13.0b2-slim`: a prerelease glued to the core. Anything else is not a version. */
function attached(tag: string, release: number[], at: number): Version | null {
  if (isCommitHash(tag)) return null;
  const dash = tag.indexOf('-', at);
  const glued = dash < 0 ? tag.slice(at) : tag.slice(at, dash);
  if (!PRERELEASE_INITIAL.has(glued.charAt(0).toLowerCase()) || !PRERELEASE_WORD.test(glued) || !GLUED.test(glued)) return null;
  return withSuffix(release, glued, dash < 0 ? '' : tag.slice(dash + 1));
}

/**
 * Splits the suffix into prerelease, variant and counter; null when it is not one. It works on
 * positions in the suffix, not an array of its segments: this runs for most tags of every list.
 */
function withSuffix(release: number[], gluedPrerelease: string, suffix: string): Version | null {
  if (gluedPrerelease === '' && suffix.indexOf('-') < 0) return oneSegment(release, suffix);
  if (!validSuffix(suffix)) return null;
  let pre = gluedPrerelease;
  let at = 0; // the start of the first segment after the prerelease
  if (pre === '') {
    const end = segmentEnd(suffix, 0);
    if (startsPrereleaseAt(suffix, 0, end)) {
      pre = suffix.slice(0, end);
      at = end + 1;
    }
  }
  // `rc-2`: a number right after the prerelease word still belongs to it.
  if (pre !== '') {
    const from = at;
    for (let end = segmentEnd(suffix, at); at < suffix.length && isDigitsAt(suffix, at, end); end = segmentEnd(suffix, at)) at = end + 1;
    if (at > from) pre = gluedPrerelease === '' ? suffix.slice(0, at - 1) : `${pre}-${suffix.slice(0, at - 1)}`;
  }
  const prerelease = pre === '' ? NO_PRERELEASE : identifiers(pre);
  if (at >= suffix.length) return version(release, prerelease, '', '');
  const counters = countersFrom(suffix, at);
  return version(release, prerelease, variantBetween(suffix, at, counters - 1), counters > suffix.length ? '' : suffix.slice(counters));
}

/** The common case, `-alpine`, `-rc.1`, `-ls133`: a suffix of one segment. */
function oneSegment(release: number[], suffix: string): Version | null {
  if (!validSuffix(suffix) || suffix === '') return null;
  const end = suffix.length;
  if (startsPrereleaseAt(suffix, 0, end)) return version(release, identifiers(suffix), '', '');
  if (isCounterAt(suffix, 0, end) || isDigitsAt(suffix, 0, end)) return version(release, NO_PRERELEASE, '', suffix);
  return version(release, NO_PRERELEASE, isCommitHashAt(suffix, 0, end) ? '' : suffix, '');
}

/** Shared by every version without a prerelease: never written to. */
const NO_PRERELEASE = Object.freeze([]) as unknown as Identifier[];

/**
 * `-`-separated segments of letters, digits, `_` and `.`, none empty, none with `.` at either end
 * or twice in a row. The empty suffix (a glued prerelease alone) has no segment and is valid.
 */
function validSuffix(suffix: string): boolean {
  let start = 0;
  let previous = 45;
  for (let i = 0; i < suffix.length; i++) {
    const c = suffix.charCodeAt(i);
    if (c === 45) {
      if (i === start || previous === 46) return false;
      start = i + 1;
    } else if (c === 46) {
      if (previous === 46 || previous === 45) return false;
    } else if (!isWordCode(c)) {
      return false;
    }
    previous = c;
  }
  return suffix === '' || (start < suffix.length && previous !== 46);
}

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Where the segment starting at `from` ends: the next `-`, or the end. */
function segmentEnd(suffix: string, from: number): number {
  const dash = suffix.indexOf('-', from);
  return dash < 0 ? suffix.length : dash;
}

/** `text[from, to)` is 1 to 15 digits (`^\d{1,15}$` without a substring or a regular expression). */
function isDigitsAt(text: string, from: number, to: number): boolean {
  if (to - from < 1 || to - from > MAX_DIGITS) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `ls133` (linuxserver.io), `r1` (Alpine package revision). */
function isCounterAt(text: string, from: number, to: number): boolean {
  const c = text.charCodeAt(from);
  if (c === 114) return isDigitsAt(text, from + 1, to); // r
  return c === 108 && text.charCodeAt(from + 1) === 115 && isDigitsAt(text, from + 2, to); // l, s
}

/** `text[from, to)` is a commit hash (isCommitHash in place). */
function isCommitHashAt(text: string, from: number, to: number): boolean {
  if (to - from < 7 || to - from > 40) return false;
  let letter = false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 102) letter = true;
    else if (c < 48 || c > 57) return false;
  }
  return letter;
}

/** Matches a prerelease word at `lastIndex`: the `y` flag anchors it there, so no substring is cut. */
const PRERELEASE_WORD_AT = new RegExp(PRERELEASE_WORD.source.slice(1), 'iy');

/** The segment `text[from, to)` starts a prerelease (`rc.1`, `beta2`), and is not a hash that happens to (`abc1234`). */
function startsPrereleaseAt(text: string, from: number, to: number): boolean {
  if (!PRERELEASE_INITIAL.has(text.charAt(from).toLowerCase())) return false;
  PRERELEASE_WORD_AT.lastIndex = from;
  // After the word comes the segment's end, a `-` or the text's end: none is a letter or a digit.
  return PRERELEASE_WORD_AT.test(text) && !isCommitHashAt(text, from, to);
}

/** The counter segments that end `suffix[from…]`: where they begin, or past the end when none does. */
function countersFrom(suffix: string, from: number): number {
  let start = suffix.length + 1;
  while (start - 1 > from) {
    const begin = suffix.lastIndexOf('-', start - 2) + 1;
    if (!isCounterAt(suffix, begin, start - 1)) break;
    start = begin;
  }
  return start;
}

/** The variant: the segments of `suffix[from, to)`, without commit hashes (they name a build, not a flavour). */
function variantBetween(suffix: string, from: number, to: number): string {
  if (from >= to) return '';
  let hash = false;
  for (let at = from; at < to && !hash; at = segmentEnd(suffix, at) + 1) hash = isCommitHashAt(suffix, at, Math.min(segmentEnd(suffix, at), to));
  // Without a hash, the variant is the text as written: one substring, no join.
  if (!hash) return suffix.slice(from, to);
  const kept: string[] = [];
  for (let at = from; at < to; ) {
    const end = Math.min(segmentEnd(suffix, at), to);
    if (!isCommitHashAt(suffix, at, end)) kept.push(suffix.slice(at, end));
    at = end + 1;
  }
  return kept.join('-');
}

/** `rc.1` → `['rc', 1]`: the `.`-separated identifiers, numbers where they are 1 to 15 digits. */
function identifiers(text: string): Identifier[] {
  const out: Identifier[] = [];
  for (let start = 0; start <= text.length; ) {
    const dot = text.indexOf('.', start);
    const end = dot < 0 ? text.length : dot;
    out.push(isDigitsAt(text, start, end) ? Number(text.slice(start, end)) : text.slice(start, end));
    start = end + 1;
  }
  return out;
}

export function toIdentifier(text: string | number): Identifier {
  if (typeof text === 'number') return text;
  return NUMERIC.test(text) ? Number(text) : text;
}

/**
 * Total order on versions: the core, then the prerelease (a release above its prereleases), then
 * the build counter (none below any). The variant does not order: tags that differ only in it
 * are the same place in the order.
 */
export function compareVersions(a: Version, b: Version): number {
  return compareCore(a, b, 4) || comparePrerelease(a.prerelease, b.prerelease) || compareBuild(a.build, b.build);
}

/** The first `parts` numeric parts, missing ones as 0. */
export function compareCore(a: Version, b: Version, parts: number): number {
  for (let i = 0; i < parts; i++) {
    const diff = (a.release[i] ?? 0) - (b.release[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export function comparePrerelease(a: readonly Identifier[], b: readonly Identifier[]): number {
  // A release sorts after all of its prereleases.
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const cmp = compareIdentifier(a[i] ?? 0, b[i] ?? 0);
    if (cmp !== 0) return cmp;
  }
  return a.length - b.length;
}

function compareBuild(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '' || b === '') return a === '' ? -1 : 1;
  return compareNatural(a, b);
}

function compareIdentifier(a: Identifier, b: Identifier): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareNatural(a, b);
}

/**
 * Among equal versions spelled differently (`1.10`, `1.10.0`, `v1.10.0`), which spelling wins when
 * the current tag is not one of them: the most explicit (more parts), then the lowest in byte
 * order (so `1.10.0` before `v1.10.0`). Negative when `a` is preferred.
 */
export function preferSpelling(a: string, b: string, va: Version, vb: Version): number {
  if (va.release.length !== vb.release.length) return vb.release.length - va.release.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isPrerelease(version: Version): boolean {
  return version.prerelease.length > 0;
}

/** Same numeric core, all four parts (missing as 0). */
export function sameCore(a: Version, b: Version): boolean {
  return compareCore(a, b, 4) === 0;
}
