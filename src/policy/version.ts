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

// Parts are capped at 15 digits so each fits a double exactly (safe-integer range).
const VERSION = /^[vV]?(\d{1,15})(?:\.(\d{1,15}))?(?:\.(\d{1,15}))?(?:\.(\d{1,15}))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const NUMERIC = /^\d{1,15}$/;

export function parseVersion(tag: string): Version | null {
  const match = VERSION.exec(tag);
  if (match === null) return null;
  const release: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const part = match[i];
    if (part === undefined) break;
    release.push(Number(part));
  }
  const pre = match[5];
  return { release, prerelease: pre === undefined ? [] : pre.split('.').map(toIdentifier) };
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
