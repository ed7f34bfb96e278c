/** Frozen copy of the selection engine as it was at main bb6152d, before the reasons were made lazy: the test oracle of test/policy/oracle.test.ts. Not used by src/. */
/** `semver:<range>`: npm range syntax, lenient tag parsing, explicit prerelease opt-in. */
import semver from 'semver';
import { normaliseRange } from '../../../src/policy/range-text.ts';
import type { Compatibility } from './compat.ts';
import { tagExtractor, type TagExtract } from '../../../src/policy/extract.ts';
import type { Ranking } from './ranking.ts';
import { reject } from './ranking.ts';
import { versionRanking } from './version-ranking.ts';
import { compareCore, comparePrerelease, parseVersion, toIdentifier, type Version } from '../../../src/policy/version.ts';

type Operator = semver.Comparator['operator'];

interface Bound {
  operator: Operator;
  /** Undefined for the "any version" comparator (`*`). */
  version?: Version;
}

export interface SemverRange {
  text: string;
  /** The range names a prerelease (`>=1.0.0-0`, `^2.0.0-rc.1`): prereleases are candidates. */
  prerelease: boolean;
  /** Alternatives (`||`) of comparators that must all hold. */
  sets: Bound[][];
}

/** A version written with a prerelease part, as opposed to a hyphen range (`1 - 2`). */
const NAMES_PRERELEASE = /\d-[0-9A-Za-z]/;

/** Parses an npm range; throws with the reason when it is invalid or can match no version. */
export function parseRange(text: string): SemverRange {
  const prerelease = NAMES_PRERELEASE.test(text);
  let range: semver.Range;
  try {
    range = new semver.Range(normaliseRange(text), { loose: true, includePrerelease: prerelease });
  } catch (error) {
    throw new Error(`invalid semver range "${text}": ${(error as Error).message}`);
  }
  if (semver.minVersion(range) === null) throw new Error(`semver range "${text}" matches no version`);
  return { text, prerelease, sets: range.set.map((set) => set.map(toBound)) };
}

function toBound(comparator: semver.Comparator): Bound {
  const version = comparator.semver as semver.SemVer | symbol; // `*` holds a symbol (semver's ANY)
  if (typeof version === 'symbol' || comparator.value === '') return { operator: comparator.operator };
  return {
    operator: comparator.operator,
    version: { release: [version.major, version.minor, version.patch], prerelease: version.prerelease.map(toIdentifier), variant: '', build: '' },
  };
}

/**
 * Range test on the numeric core: the first three parts (npm ranges have three; a fourth only
 * orders). A bound that names a prerelease (`>=2.0.0-rc.1`, `<2.0.0-0`) also compares the
 * prerelease; variants and build counters never take part.
 */
export function inRange(range: SemverRange, version: Version): boolean {
  // Plain loops: this runs for every tag of every image, every cycle.
  for (const set of range.sets) {
    let all = true;
    for (const bound of set) {
      if (!holds(bound, version)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

function holds(bound: Bound, version: Version): boolean {
  if (bound.version === undefined) return true;
  const core = compareCore(version, bound.version, 3);
  const cmp = core !== 0 || bound.version.prerelease.length === 0 ? core : comparePrerelease(version.prerelease, bound.version.prerelease);
  switch (bound.operator) {
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    default:
      return cmp === 0;
  }
}

export function semverRanking(range: SemverRange, compat: Compatibility, currentTag: string | undefined, extract?: TagExtract): Ranking<Version> {
  const outside = reject<Version>('outside-range', `not in "${range.text}"`);
  const text = extract === undefined ? undefined : tagExtractor(extract);
  const current = currentTag === undefined ? undefined : text === undefined ? currentTag : text(currentTag);
  return versionRanking({
    compat,
    currentTag,
    reference: current === undefined ? null : parseVersion(current),
    ...(text === undefined || extract === undefined ? {} : { text, mismatch: reject<Version>('filter-mismatch', `does not match /${extract.regex.source}/`) }),
    bound: (version) => (inRange(range, version) ? undefined : outside),
    takesPrereleases: range.prerelease,
    prereleaseExcluded: reject<Version>('prerelease-excluded', `range "${range.text}" names no prerelease`),
  });
}
