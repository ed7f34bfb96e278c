/**
 * Version tags as registries spell them: an optional `v`, a numeric core of one to four parts
 * (`16`, `16.1`, `1.25.3`, `4.0.11.2680`, zero padding as calver has it), then an optional suffix
 * after the first `-`. The suffix holds a **prerelease** when it begins with a prerelease word
 * (`-rc.1`, `-beta2`, also attached as in `3.13.0rc1`), then a **variant** (`alpine3.18`,
 * `slim-bookworm`), which may end in a **build counter** (`-ls133`, `-r1`, `-debian-12-r3`).
 * Ordering is numeric part by part, then prerelease (numeric-aware), then counter.
 */
import { compareNatural } from './natural.ts';

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
/** `ls133` (linuxserver.io), `r1` (Alpine package revision). */
const COUNTER = /^(?:ls|r)\d{1,15}$/;
const DIGITS = /^\d{1,15}$/;
const HASH = /^[0-9a-f]{7,40}$/;
const HEX_LETTER = /[a-f]/;

/** 7–40 lowercase hex characters, not all digits: a commit hash, never a version. */
export function isCommitHash(text: string): boolean {
  // The length check first: most segments (`alpine`, `ls133`) are too short to be one.
  return text.length >= 7 && text.length <= 40 && HASH.test(text) && HEX_LETTER.test(text);
}

/**
 * A scanner for the core rather than one regular expression: it runs on every tag of every image
 * each cycle, and reading digits in place avoids allocating a match and a substring per part.
 */
export function parseVersion(tag: string): Version | null {
  const first = tag.charCodeAt(0);
  let i = first === 118 || first === 86 ? 1 : 0; // v, V
  const release: number[] = [];
  for (;;) {
    const start = i;
    let value = 0;
    for (let c = tag.charCodeAt(i); c >= 48 && c <= 57; c = tag.charCodeAt(++i)) value = value * 10 + (c - 48);
    if (i === start || i - start > MAX_DIGITS) return null;
    release.push(value);
    if (i === tag.length) return { release, prerelease: NO_PRERELEASE, variant: '', build: '' };
    const separator = tag.charCodeAt(i);
    if (separator === 45) return withSuffix(release, '', tag.slice(i + 1)); // -
    if (separator !== 46 || release.length === 4) return attached(tag, release, i); // .
    i++;
  }
}

/** `3.13.0rc1`, `3.13.0b2-slim`: a prerelease glued to the core. Anything else is not a version. */
function attached(tag: string, release: number[], at: number): Version | null {
  if (isCommitHash(tag)) return null;
  const dash = tag.indexOf('-', at);
  const glued = dash < 0 ? tag.slice(at) : tag.slice(at, dash);
  if (!PRERELEASE_WORD.test(glued) || !GLUED.test(glued)) return null;
  return withSuffix(release, glued, dash < 0 ? '' : tag.slice(dash + 1));
}

/** Splits the suffix into prerelease, variant and counter; null when it is not one. */
function withSuffix(release: number[], gluedPrerelease: string, suffix: string): Version | null {
  if (gluedPrerelease === '' && suffix.indexOf('-') < 0) return oneSegment(release, suffix);
  const segments = splitSegments(suffix);
  if (segments === null || (gluedPrerelease === '' && segments.length === 0)) return null; // "1.2.3-"
  let pre = gluedPrerelease;
  let from = 0;
  const head = segments[0];
  if (pre === '' && head !== undefined && PRERELEASE_WORD.test(head) && !isCommitHash(head)) {
    pre = head;
    from = 1;
  }
  // `rc-2`: a number right after the prerelease word still belongs to it.
  while (pre !== '' && from < segments.length && DIGITS.test(segments[from] ?? '')) pre += `-${segments[from++]}`;
  const prerelease = pre === '' ? NO_PRERELEASE : pre.split('.').map(toIdentifier);
  if (from === segments.length) return { release, prerelease, variant: '', build: '' };
  const rest = from === 0 ? segments : segments.slice(from);
  const build = counter(rest, pre === '');
  return { release, prerelease, variant: variantOf(rest), build };
}

/** The common case, `-alpine`, `-rc.1`, `-ls133`: a suffix of one segment. */
function oneSegment(release: number[], suffix: string): Version | null {
  if (!validSegment(suffix)) return null;
  if (PRERELEASE_WORD.test(suffix) && !isCommitHash(suffix)) return { release, prerelease: suffix.split('.').map(toIdentifier), variant: '', build: '' };
  if (isCounter(suffix) || DIGITS.test(suffix)) return { release, prerelease: NO_PRERELEASE, variant: '', build: suffix };
  return { release, prerelease: NO_PRERELEASE, variant: isCommitHash(suffix) ? '' : suffix, build: '' };
}

/** Shared by every version without a prerelease: never written to. */
const NO_PRERELEASE = Object.freeze([]) as unknown as Identifier[];

/** One segment: letters, digits, `_` and `.`, with no `.` at either end or twice in a row. */
function validSegment(text: string): boolean {
  if (text === '' || text.charCodeAt(0) === 46 || text.charCodeAt(text.length - 1) === 46) return false;
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 ? previous === 46 : !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return false;
    previous = c;
  }
  return true;
}

function isCounter(segment: string): boolean {
  const c = segment.charCodeAt(0);
  return (c === 108 || c === 114) && COUNTER.test(segment); // l, r
}

/**
 * The `-`-separated segments of a suffix, or null when one is empty or holds a character a
 * version suffix cannot (`_` and `.` may appear inside a segment, never `..` or at its ends).
 */
function splitSegments(suffix: string): string[] | null {
  const segments: string[] = [];
  if (suffix === '') return segments;
  let start = 0;
  let previous = 45;
  for (let i = 0; i <= suffix.length; i++) {
    const c = i === suffix.length ? 45 : suffix.charCodeAt(i);
    if (c === 45) {
      if (i === start || previous === 46) return null;
      segments.push(start === 0 && i === suffix.length ? suffix : suffix.slice(start, i));
      start = i + 1;
    } else if (c === 46) {
      if (previous === 46 || previous === 45) return null;
    } else if (!(c >= 48 && c <= 57) && !(c >= 65 && c <= 90) && !(c >= 97 && c <= 122) && c !== 95) {
      return null;
    }
    previous = c;
  }
  return segments;
}

/** The variant: the segments left, without commit hashes (they name a build, not a flavour). */
function variantOf(rest: readonly string[]): string {
  if (rest.length === 1) return isCommitHash(rest[0] ?? '') ? '' : (rest[0] ?? '');
  let variant = '';
  for (const segment of rest) {
    if (isCommitHash(segment)) continue;
    variant = variant === '' ? segment : `${variant}-${segment}`;
  }
  return variant;
}

/** Removes the trailing counter segments from `rest` and returns them as written. */
function counter(rest: string[], plain: boolean): string {
  // A bare number is a counter only as the whole suffix (`2.4.57-1`): `debian-12` is a variant.
  if (plain && rest.length === 1 && DIGITS.test(rest[0] ?? '')) return rest.pop() ?? '';
  let at = rest.length;
  while (at > 0 && isCounter(rest[at - 1] ?? '')) at--;
  return at === rest.length ? '' : rest.splice(at).join('-');
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
