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
/** The letters a prerelease word can begin with, in either case, by character code. */
const PRERELEASE_INITIAL = new Uint8Array(128);
for (const letter of 'abcdemnprs') PRERELEASE_INITIAL[letter.charCodeAt(0)] = PRERELEASE_INITIAL[letter.toUpperCase().charCodeAt(0)] = 1;
/** 7–40 lowercase hex characters, not all digits: a commit hash, never a version. */
export function isCommitHash(text: string): boolean {
  return isCommitHashAt(text, 0, text.length);
}

/**
 * What `scanVersion` read from the last tag it took: the numeric parts, and where the prerelease,
 * the variant and the build counter are in that tag. Nothing per tag is built until asked for.
 */
const scanned = { count: 0, a: 0, b: 0, c: 0, d: 0, coreEnd: 0, preFrom: -1, preTo: -1, variantFrom: 0, variantTo: 0, hashed: false, buildFrom: -1 };

export function parseVersion(tag: string): Version | null {
  return scanVersion(tag) ? scannedVersion(tag) : null;
}

/**
 * Reads `tag` as a version without building one (true when it is one; then `scannedVersion` and
 * the other `scanned…` functions tell what it is, until the next scan). A scanner for the core
 * rather than one regular expression: it runs on every tag of every image each cycle, so the parts
 * are read in place and the suffix by its positions in the tag, with no match and no substring.
 */
export function scanVersion(tag: string): boolean {
  return scanCore(tag) && scanSuffix(tag);
}

/**
 * The first half of `scanVersion`: reads the numeric core (true when `tag` begins with one), so a
 * caller can turn a tag down on its parts before the suffix, which costs most, is read.
 * `scannedParts` and `scannedPart` tell the core; `scanSuffix` must follow before anything else.
 */
export function scanCore(tag: string): boolean {
  const length = tag.length;
  const first = tag.charCodeAt(0);
  let i = first === 118 || first === 86 ? 1 : 0; // v, V
  const found = scanned;
  found.preFrom = found.buildFrom = -1;
  found.variantFrom = found.variantTo = 0;
  found.hashed = false;
  let count = 0;
  for (;;) {
    const start = i;
    let value = 0;
    for (; i < length; i++) {
      const code = tag.charCodeAt(i);
      if (code < 48 || code > 57) break;
      value = value * 10 + (code - 48);
    }
    if (i === start || i - start > MAX_DIGITS) return false;
    count++;
    if (count === 1) found.a = value;
    else if (count === 2) found.b = value;
    else if (count === 3) found.c = value;
    else found.d = value;
    const separator = i === length ? -1 : tag.charCodeAt(i);
    if (separator === 46 && count < 4) {
      i++;
      continue;
    }
    found.count = count;
    found.coreEnd = i;
    return true;
  }
}

/** The second half of `scanVersion`, after `scanCore` read `tag`'s core: true when the rest makes it a version. */
export function scanSuffix(tag: string): boolean {
  const at = scanned.coreEnd;
  if (at === tag.length) return true;
  if (tag.charCodeAt(at) === 45) return withSuffix(tag, -1, at + 1); // -
  return attached(tag, at);
}

/** The version `scanVersion` read from `tag` (it must be the tag it last read, and a version). */
export function scannedVersion(tag: string): Version {
  const { count, a, b, c, d, preFrom, preTo, buildFrom } = scanned;
  // The parts go into an array of exactly their number: growing one by push costs a spare store.
  const release = count === 3 ? [a, b, c] : count === 2 ? [a, b] : count === 1 ? [a] : [a, b, c, d];
  const prerelease = preFrom < 0 ? NO_PRERELEASE : identifiers(tag.slice(preFrom, preTo));
  return version(release, prerelease, scannedVariant(tag), buildFrom < 0 ? '' : tag.slice(buildFrom));
}

/** `tag` begins with a numeric core no lower than `floor`'s: one that does not is no newer version (read on its core alone). */
export function coreAtLeast(tag: string, floor: Version): boolean {
  return scanCore(tag) && compareScannedCore(floor.release, 4) >= 0;
}

/** The scanned version's variant. */
export function scannedVariant(tag: string): string {
  const { variantFrom, variantTo, hashed } = scanned;
  return hashed ? withoutHashes(tag, variantFrom, variantTo) : tag.slice(variantFrom, variantTo);
}

/** The scanned version's variant is `variant`: compared in place, no substring made. */
export function scannedVariantIs(tag: string, variant: string): boolean {
  if (scanned.hashed) return scannedVariant(tag) === variant;
  const { variantFrom, variantTo } = scanned;
  return variantTo - variantFrom === variant.length && tag.startsWith(variant, variantFrom);
}

/** What the suffix after the core `scanCore` last read begins with, by its first segment alone. */
export const SUFFIX_NONE = 0;
/** The tag, if a version, is a prerelease. */
export const SUFFIX_PRERELEASE = 1;
/** The tag, if a version, is of a variant other than the plain one. */
export const SUFFIX_VARIANT = 2;
/** A counter, a number, a hash or a glued prerelease: the whole suffix tells. */
export const SUFFIX_UNKNOWN = 3;

/**
 * The first segment of the suffix after the core `scanCore` last read, read alone: enough to turn
 * down most tags a policy of the plain variant would (`-alpine…`, `-slim-bookworm-ls12`) before
 * `scanSuffix` reads their whole suffix. A segment that is not a prerelease, a counter, a number
 * or a hash begins the variant, which keeps it (see withSuffix and countersFrom).
 */
export function scannedSuffixStart(tag: string): number {
  const at = scanned.coreEnd;
  if (at === tag.length) return SUFFIX_NONE;
  if (tag.charCodeAt(at) !== 45) return SUFFIX_UNKNOWN; // -
  const from = at + 1;
  const to = segmentEnd(tag, from);
  if (startsPrereleaseAt(tag, from, to)) return SUFFIX_PRERELEASE;
  return isCounterAt(tag, from, to) || isDigitsAt(tag, from, to) || isCommitHashAt(tag, from, to) ? SUFFIX_UNKNOWN : SUFFIX_VARIANT;
}

/** The core `scanCore` last read is the whole of `tag`: it is a version, without a suffix. */
export function scannedCoreOnly(tag: string): boolean {
  return scanned.coreEnd === tag.length;
}

/** The scanned version has a prerelease. */
export function scannedIsPrerelease(): boolean {
  return scanned.preFrom >= 0;
}

/** The scanned version's number of numeric parts, and its first part. */
export function scannedParts(): number {
  return scanned.count;
}

export function scannedFirstPart(): number {
  return scanned.a;
}

/** The scanned version's numeric part at `index` (0 to 3); 0 past its parts, as compareCore counts a missing one. */
export function scannedPart(index: number): number {
  if (index >= scanned.count) return 0;
  return index === 0 ? scanned.a : index === 1 ? scanned.b : index === 2 ? scanned.c : scanned.d;
}

/** compareCore of the scanned version with `release`, over the first `parts` parts. */
export function compareScannedCore(release: readonly number[], parts: number): number {
  for (let i = 0; i < parts; i++) {
    const diff = scannedPart(i) - (release[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Every Version is built here, so all have one shape (the engine reads millions of them). */
function version(release: number[], prerelease: Identifier[], variant: string, build: string): Version {
  return { release, prerelease, variant, build };
}

/** `3.13.0rc1`, `3.13.0b2-slim`: a prerelease glued to the core. Anything else is not a version. */
function attached(tag: string, at: number): boolean {
  if (isCommitHash(tag)) return false;
  const dash = tag.indexOf('-', at);
  const glued = dash < 0 ? tag.slice(at) : tag.slice(at, dash);
  if (!startsPrereleaseWord(glued, 0) || !PRERELEASE_WORD.test(glued) || !GLUED.test(glued)) return false;
  scanned.preFrom = at;
  scanned.preTo = at + glued.length;
  return withSuffix(tag, at, dash < 0 ? tag.length : dash + 1);
}

/**
 * Splits the suffix, `tag[base…]`, into prerelease, variant and counter; false when it is not one.
 * `glued` is where a prerelease glued to the core begins (-1 for none). It works on positions in
 * the tag, not on a substring or an array of segments: this runs for most tags of every list.
 */
function withSuffix(tag: string, glued: number, base: number): boolean {
  const end = tag.length;
  if (glued < 0 && tag.indexOf('-', base) < 0) return oneSegment(tag, base);
  if (!validSuffix(tag, base)) return false;
  let at = base; // the start of the first segment after the prerelease
  if (glued < 0) {
    const first = segmentEnd(tag, base);
    if (startsPrereleaseAt(tag, base, first)) {
      scanned.preFrom = base;
      scanned.preTo = first;
      at = first + 1;
    }
  }
  // `rc-2`: a number right after the prerelease word still belongs to it.
  if (scanned.preFrom >= 0) {
    const from = at;
    for (let next = segmentEnd(tag, at); at < end && isDigitsAt(tag, at, next); next = segmentEnd(tag, at)) at = next + 1;
    if (at > from) scanned.preTo = at - 1;
  }
  if (at >= end) return true;
  const counters = countersFrom(tag, at);
  variantBetween(tag, at, counters - 1);
  if (counters <= end) scanned.buildFrom = counters;
  return true;
}

/** The common case, `-alpine`, `-rc.1`, `-ls133`: a suffix of one segment, `tag[base…]`. */
function oneSegment(tag: string, base: number): boolean {
  const end = tag.length;
  if (base === end || !validSuffix(tag, base)) return false;
  if (startsPrereleaseAt(tag, base, end)) {
    scanned.preFrom = base;
    scanned.preTo = end;
  } else if (isCounterAt(tag, base, end) || isDigitsAt(tag, base, end)) {
    scanned.buildFrom = base;
  } else if (!isCommitHashAt(tag, base, end)) {
    scanned.variantFrom = base;
    scanned.variantTo = end;
  }
  return true;
}

/** Shared by every version without a prerelease: never written to. */
const NO_PRERELEASE = Object.freeze([]) as unknown as Identifier[];

/**
 * `tag[base…]` is `-`-separated segments of letters, digits, `_` and `.`, none empty, none with
 * `.` at either end or twice in a row. The empty suffix (a glued prerelease alone) has no segment
 * and is valid.
 */
function validSuffix(tag: string, base: number): boolean {
  let previous = DASH;
  for (let i = base; i < tag.length; i++) {
    const kind = SUFFIX_CHARS[tag.charCodeAt(i)];
    // A `-` or `.` after either (or first) would make an empty segment or a `.` at a segment's edge.
    if (kind === undefined || kind === 0 || (kind !== WORD && previous !== WORD)) return false;
    previous = kind;
  }
  return base === tag.length || previous === WORD;
}

const WORD = 1;
const DOT = 2;
const DASH = 3;
/** Per character code: a letter, digit or `_`, a `.`, a `-`; 0 for any other. */
const SUFFIX_CHARS = new Uint8Array(128);
for (let c = 0; c < 128; c++) SUFFIX_CHARS[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ? WORD : c === 46 ? DOT : c === 45 ? DASH : 0;

/** Where the segment starting at `from` ends: the next `-`, or the end. */
function segmentEnd(text: string, from: number): number {
  const dash = text.indexOf('-', from);
  return dash < 0 ? text.length : dash;
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
  // A segment ends at a `-` or the text's end, so the `s` is inside it.
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

/** The character at `at` is one a prerelease word begins with, in either case: most variants fail this test alone. */
function startsPrereleaseWord(text: string, at: number): boolean {
  return PRERELEASE_INITIAL[text.charCodeAt(at)] === 1;
}

/** The segment `text[from, to)` starts a prerelease (`rc.1`, `beta2`), and is not a hash that happens to (`abc1234`). */
function startsPrereleaseAt(text: string, from: number, to: number): boolean {
  if (!startsPrereleaseWord(text, from)) return false;
  PRERELEASE_WORD_AT.lastIndex = from;
  // After the word comes the segment's end, a `-` or the text's end: none is a letter or a digit.
  return PRERELEASE_WORD_AT.test(text) && !isCommitHashAt(text, from, to);
}

/** The counter segments that end `tag[from…]`: where they begin, or past the end when none does. */
function countersFrom(tag: string, from: number): number {
  let start = tag.length + 1;
  while (start - 1 > from) {
    // The suffix follows a `-` (or a glued prerelease and a `-`), so this never reads before it.
    const begin = tag.lastIndexOf('-', start - 2) + 1;
    if (!isCounterAt(tag, begin, start - 1)) break;
    start = begin;
  }
  return start;
}

/** Where the variant is: the segments of `tag[from, to)`; `hashed` when some are commit hashes (they name a build, not a flavour). */
function variantBetween(tag: string, from: number, to: number): void {
  if (from >= to) return;
  let hash = false;
  for (let at = from; at < to && !hash; at = segmentEnd(tag, at) + 1) hash = isCommitHashAt(tag, at, Math.min(segmentEnd(tag, at), to));
  scanned.variantFrom = from;
  scanned.variantTo = to;
  scanned.hashed = hash;
}

/** The segments of `text[from, to)` that are not commit hashes, joined again. */
function withoutHashes(text: string, from: number, to: number): string {
  const kept: string[] = [];
  for (let at = from; at < to; ) {
    const end = Math.min(segmentEnd(text, at), to);
    if (!isCommitHashAt(text, at, end)) kept.push(text.slice(at, end));
    at = end + 1;
  }
  return kept.join('-');
}

/** `rc.1` → `['rc', 1]`: the `.`-separated identifiers, numbers where they are 1 to 15 digits. */
function identifiers(text: string): Identifier[] {
  // Of exactly their number: an array grown by push reserves 17 places for the usual one or two.
  let count = 1;
  for (let dot = text.indexOf('.'); dot >= 0; dot = text.indexOf('.', dot + 1)) count++;
  const out = new Array<Identifier>(count);
  for (let n = 0, start = 0; n < count; n++) {
    const dot = text.indexOf('.', start);
    const end = dot < 0 ? text.length : dot;
    out[n] = isDigitsAt(text, start, end) ? digitsValue(text, start, end) : text.slice(start, end);
    start = end + 1;
  }
  return out;
}

/** The number `text[from, to)` spells, 1 to 15 digits (exact in a double), read in place. */
function digitsValue(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + (text.charCodeAt(i) - 48);
  return value;
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
