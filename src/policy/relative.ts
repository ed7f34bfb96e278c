/**
 * `major`, `minor`, `patch`, `all`: relative to the current tag, Keel style. The level bounds which
 * parts may change; the best version inside that bound wins, so a newer major never hides the best
 * minor or patch.
 */
import type { Compatibility } from './compat.ts';
import type { ListMemo } from './list-memo.ts';
import type { Ranking } from './ranking.ts';
import { reject, type Rejected } from './ranking.ts';
import { versionRanking } from './version-ranking.ts';
import { parseVersion, scannedPart, type Version } from './version.ts';

export type RelativeLevel = 'major' | 'minor' | 'patch' | 'all';

export const RELATIVE_LEVELS: readonly RelativeLevel[] = ['major', 'minor', 'patch', 'all'];

/** How many leading release parts must stay equal to the current tag's. */
const FIXED_PARTS: Record<RelativeLevel, number> = { all: 0, major: 0, minor: 1, patch: 2 };

const PART_NAMES = ['major', 'minor', 'patch'];

export function relativeRanking(level: RelativeLevel, compat: Compatibility, currentTag: string | undefined, memo?: ListMemo): Ranking<Version> {
  const current = currentTag === undefined ? null : parseVersion(currentTag);
  if (current === null) return noCurrentVersion(level);
  const fixed = FIXED_PARTS[level];
  const moved = PART_NAMES.map((part) => reject('outside-range', `${part} differs from current ${currentTag}, policy ${level}`));
  return versionRanking({
    compat,
    currentTag,
    memo,
    reference: current,
    bound: (version) => movedRejection(moved, movedPart(current, version, fixed)),
    scannedBound: () => movedRejection(moved, scannedMovedPart(current, fixed)),
    // `all` takes any prerelease; the other levels only those of the current tag's own release
    // (`1.2.0-rc.1` → `1.2.0-rc.2`), so a test build never lands on a workload that runs releases.
    takesPrereleases: level === 'all',
    prereleaseExcluded: reject('prerelease-excluded', `policy ${level} takes prereleases only of the current release`),
  });
}

/** Without a current version there is nothing to be relative to: every tag says so. */
function noCurrentVersion(level: RelativeLevel): Ranking<Version> {
  const verdict: Rejected = reject('no-current-version', `"${level}" needs the current tag to be a version`);
  return { admit: () => verdict, keyOf: () => undefined, compare: () => 0 };
}

/** The rejection for a moved part, none for -1: `moved[-1]` would be a named-property look-up, slow on every tag inside the bound. */
function movedRejection(moved: readonly Rejected[], part: number): Rejected | undefined {
  return part < 0 ? undefined : moved[part];
}

/** Index of the first of the fixed leading parts that differs from the current tag's, or -1 (none). */
function movedPart(current: Version, version: Version, fixed: number): number {
  for (let i = 0; i < fixed; i++) {
    if ((current.release[i] ?? 0) !== (version.release[i] ?? 0)) return i;
  }
  return -1;
}

/** movedPart for the version `scanVersion` last read. */
function scannedMovedPart(current: Version, fixed: number): number {
  for (let i = 0; i < fixed; i++) {
    if ((current.release[i] ?? 0) !== scannedPart(i)) return i;
  }
  return -1;
}
