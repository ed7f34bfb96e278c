/**
 * Lenient versions as tags spell them: an optional `v`, one to four numeric parts (`1`, `1.2`,
 * `1.2.3`, `1.2.3.4`), zero padding (`2022.04.1`), then an optional `-prerelease`.
 * Ordering is numeric part by part, and numeric-aware inside prerelease identifiers.
 */
import { compareNatural } from './natural.ts';

export type Identifier = number | string;

export interface Version {
  /** Numeric parts as written, 1 to 4 of them; missing parts count as 0 when comparing. */
  release: number[];
  prerelease: Identifier[];
}

const PRERELEASE = /^[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*$/;
const NUMERIC = /^\d{1,15}$/;
/** At most 15 digits per part, so every part is an exact integer in a double. */
const MAX_DIGITS = 15;

/**
 * A scanner rather than one regular expression: it runs on every tag of every image each cycle,
 * and reading digits in place avoids allocating a match and a substring per part.
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
    if (i === tag.length) return { release, prerelease: [] };
    const separator = tag.charCodeAt(i);
    if (separator === 45) return withPrerelease(release, tag.slice(i + 1)); // -
    if (separator !== 46 || release.length === 4) return null; // .
    i++;
  }
}

function withPrerelease(release: number[], text: string): Version | null {
  if (!PRERELEASE.test(text)) return null;
  return { release, prerelease: text.split('.').map(toIdentifier) };
}

export function toIdentifier(text: string | number): Identifier {
  if (typeof text === 'number') return text;
  return NUMERIC.test(text) ? Number(text) : text;
}

/**
 * Total order on versions. `parts` limits the release parts compared: range tests look at the
 * first three, as npm ranges have three; ordering looks at all four.
 */
export function compareVersions(a: Version, b: Version, parts = 4): number {
  for (let i = 0; i < parts; i++) {
    const diff = (a.release[i] ?? 0) - (b.release[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return comparePrerelease(a.prerelease, b.prerelease);
}

function comparePrerelease(a: readonly Identifier[], b: readonly Identifier[]): number {
  // A release sorts after all of its prereleases.
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const cmp = compareIdentifier(a[i] ?? 0, b[i] ?? 0);
    if (cmp !== 0) return cmp;
  }
  return a.length - b.length;
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
