/**
 * `major`, `minor`, `patch`, `all`: relative to the current tag, Keel style. The level bounds which
 * parts may change; the best version inside that bound wins, so a newer major never hides the best
 * minor or patch.
 */
import type { Ranking, Verdict } from './ranking.ts';
import { reject } from './ranking.ts';
import { versionOrder } from './semver-policy.ts';
import { isPrerelease, parseVersion, type Version } from './version.ts';

export type RelativeLevel = 'major' | 'minor' | 'patch' | 'all';

export const RELATIVE_LEVELS: readonly RelativeLevel[] = ['major', 'minor', 'patch', 'all'];

/** How many leading release parts must stay equal to the current tag's. */
const FIXED_PARTS: Record<RelativeLevel, number> = { all: 0, major: 0, minor: 1, patch: 2 };

export function relativeRanking(level: RelativeLevel, currentTag: string | undefined): Ranking<Version> {
  const current = currentTag === undefined ? null : parseVersion(currentTag);
  const noCurrent = reject<Version>('no-current-version', `"${level}" needs the current tag to be a version`);
  const notVersion = reject<Version>('not-a-version');
  const prerelease = reject<Version>('prerelease-excluded', `policy ${level} takes prereleases only of the current release`);
  const moved = PART_NAMES.map((part) => reject<Version>('outside-range', `${part} differs from current ${currentTag}, policy ${level}`));
  return {
    ...versionOrder,
    admit(info): Verdict<Version> {
      if (current === null) return noCurrent;
      const version = parseVersion(info.tag);
      if (version === null) return notVersion;
      const outside = moved[movedPart(current, version, FIXED_PARTS[level])];
      if (outside !== undefined) return outside;
      if (isPrerelease(version) && !prereleaseAllowed(level, current, version)) return prerelease;
      return { key: version };
    },
  };
}

const PART_NAMES = ['major', 'minor', 'patch'];

/** Index of the first of the fixed leading parts that differs from the current tag's, or -1 (none). */
function movedPart(current: Version, version: Version, fixed: number): number {
  for (let i = 0; i < fixed; i++) {
    if ((current.release[i] ?? 0) !== (version.release[i] ?? 0)) return i;
  }
  return -1;
}

/**
 * `all` takes any prerelease. The other levels take a prerelease only when the current tag is a
 * prerelease of the same release (`1.2.0-rc.1` → `1.2.0-rc.2`), so a test build never lands on
 * a workload that runs releases.
 */
function prereleaseAllowed(level: RelativeLevel, current: Version, version: Version): boolean {
  if (level === 'all') return true;
  if (!isPrerelease(current)) return false;
  for (let i = 0; i < 4; i++) {
    if ((current.release[i] ?? 0) !== (version.release[i] ?? 0)) return false;
  }
  return true;
}
