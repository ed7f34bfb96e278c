/** Frozen copy of the selection engine as it was at main bb6152d, before the reasons were made lazy: the test oracle of test/policy/oracle.test.ts. Not used by src/. */
/**
 * The ranking every version policy shares (`semver:`, `major`, `minor`, `patch`, `all`): read the
 * tag as a version, keep it compatible with the current tag (variant, precision), apply the
 * policy's own bound (range or level), then the prerelease rule. Checks run cheapest and most
 * telling first, so the reason given is the one a person would want to read.
 */
import type { Compatibility } from '../../../src/policy/compat.ts';
import { compatibilityCheck, precisionRejection, plural } from './compat.ts';
import type { Keyed, Ranking, Verdict } from './ranking.ts';
import { reject } from './ranking.ts';
import type { TagInfo } from '../../../src/policy/types.ts';
import { compareVersions, isCommitHash, isPrerelease, parseVersion, preferSpelling, type Version } from './version.ts';

export interface VersionRules {
  compat: Compatibility;
  currentTag: string | undefined;
  /** What candidates must be compatible with: the current tag's version, or null for a new slot. */
  reference: Version | null;
  /** The policy's own bound (range, level): a rejection, or undefined when the version is inside. */
  bound(version: Version): Verdict<Version> | undefined;
  /** The policy itself takes prereleases (a range that names one, `all`). */
  takesPrereleases: boolean;
  prereleaseExcluded: Verdict<Version>;
  /** Flux `filterTags`: the text read as a version, undefined (rejected as `mismatch`) when the tag does not match. */
  text?: (tag: string) => string | undefined;
  mismatch?: Verdict<Version>;
}

const NOT_A_VERSION = reject<Version>('not-a-version');
const COMMIT_HASH = reject<Version>('commit-hash', 'a commit hash, never a version');

export function versionRanking(rules: VersionRules): Ranking<Version> {
  const compat = compatibilityCheck(rules.compat, rules.reference, rules.currentTag);
  let mostParts = 0;
  const read = versionReader(rules);
  const ranking: Ranking<Version> = {
    admit(info): Verdict<Version> {
      const version = read(info.tag);
      if (version === undefined) return rules.mismatch ?? NOT_A_VERSION;
      if (version === null) return isCommitHash(info.tag) ? COMMIT_HASH : NOT_A_VERSION;
      const rejection = compat.check(version) ?? rules.bound(version);
      if (rejection !== undefined) return rejection;
      if (isPrerelease(version) && !rules.takesPrereleases && !compat.prereleaseAllowed(version)) return rules.prereleaseExcluded;
      if (version.release.length > mostParts) mostParts = version.release.length;
      return { key: version };
    },
    keyOf: (info: TagInfo) => read(info.tag) ?? undefined,
    compare: compareVersions,
    prefer: variantPreference(rules.reference?.variant),
  };
  if (compat.deferredPrecision) ranking.narrow = () => precisionRejection(mostParts, `a new slot takes the most numeric parts present (${plural(mostParts)})`);
  return ranking;
}

/** The tag as a version; undefined when a filter does not match it, null when it is not a version. */
function versionReader(rules: VersionRules): (tag: string) => Version | null | undefined {
  const text = rules.text;
  if (text === undefined) return parseVersion;
  return (tag) => {
    const extracted = text(tag);
    return extracted === undefined ? undefined : parseVersion(extracted);
  };
}

/**
 * Among equal versions (only possible across variants when the policy widens them, or across
 * spellings): the current tag's variant, then the plain one, then the most explicit spelling.
 */
function variantPreference(current: string | undefined): (a: Keyed<Version>, b: Keyed<Version>) => number {
  const rank = (variant: string) => (variant === current ? 0 : variant === '' ? 1 : 2);
  return (a, b) => rank(a.key.variant) - rank(b.key.variant) || preferSpelling(a.tag, b.tag, a.key, b.key);
}
