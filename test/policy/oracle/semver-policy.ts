/** Frozen copy of the selection engine as it was at main bb6152d, before the reasons were made lazy: the test oracle of test/policy/oracle.test.ts. Not used by src/. */
/** `semver:<range>`: npm range syntax, lenient tag parsing, explicit prerelease opt-in. */
import { inRange, type SemverRange } from '../../../src/policy/semver-policy.ts';
import type { Compatibility } from '../../../src/policy/compat.ts';
import { tagExtractor, type TagExtract } from '../../../src/policy/extract.ts';
import type { Ranking } from './ranking.ts';
import { reject } from './ranking.ts';
import { versionRanking } from './version-ranking.ts';
import { parseVersion, type Version } from './version.ts';

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
