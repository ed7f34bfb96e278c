/**
 * The ranking every version policy shares (`semver:`, `major`, `minor`, `patch`, `all`): read the
 * tag as a version, keep it compatible with the current tag (variant, precision), apply the
 * policy's own bound (range or level), then the prerelease rule. Checks run cheapest and most
 * telling first, so the reason given is the one a person would want to read.
 */
import { compatibilityCheck, precisionRejection, plural, type Compatibility } from './compat.ts';
import type { ListMemo } from './list-memo.ts';
import type { Keyed, Ranking, Verdict } from './ranking.ts';
import { reject, Rejected, Unexplained } from './ranking.ts';
import { INVALID_TAG, validAt, validColumn } from './screen.ts';
import type { TagInfo } from './types.ts';
import { compareVersions, isCommitHash, isPrerelease, parseVersion, preferSpelling, scanCore, scannedCoreOnly, scannedIsPrerelease, scannedSuffixStart, scannedVersion, scanSuffix, scanVersion, SUFFIX_PRERELEASE, SUFFIX_VARIANT, type Version } from './version.ts';
import { COMMIT_HASH as COMMIT_HASH_CODE, NOT_A_VERSION as NOT_A_VERSION_CODE, UNREAD, VersionShapes } from './version-shapes.ts';

export interface VersionRules {
  compat: Compatibility;
  currentTag: string | undefined;
  /** The tag list's memo: each tag's shape is read once per list, whatever the policy. */
  memo?: ListMemo | undefined;
  /** What candidates must be compatible with: the current tag's version, or null for a new slot. */
  reference: Version | null;
  /** The policy's own bound (range, level): a rejection, or undefined when the version is inside. */
  bound(version: Version): Rejected | undefined;
  /**
   * `bound` for the version `scanVersion` last read, before it is built: a rejection only where
   * `bound` gives one (`bound` still runs on every version built). Most tags a widened policy
   * takes past compatibility are outside its range: none of them is built.
   */
  scannedBound?: () => Rejected | undefined;
  /** The policy itself takes prereleases (a range that names one, `all`). */
  takesPrereleases: boolean;
  prereleaseExcluded: Rejected;
  /** Flux `filterTags`: the text read as a version, undefined (rejected as `mismatch`) when the tag does not match. */
  text?: (tag: string) => string | undefined;
  mismatch?: Rejected;
}

const NOT_A_VERSION = reject('not-a-version');
/** The tag grammar's longest tag (src/image's isValidTag). */
const MAX_TAG_LENGTH = 128;
const COMMIT_HASH = reject('commit-hash', 'a commit hash, never a version');
/** A tag that does not begin with a numeric core: what `admitScanned` says of it is one of these. */
const NO_CORE = new Unexplained(['invalid-tag', 'not-a-version', 'commit-hash']);
/** A prerelease turned down before its version is built: its bound may name a prerelease. */
const PRERELEASE_UNBUILT = new Unexplained(['outside-range', 'prerelease-excluded']);
/** A version turned down before its suffix is read: anything `admitScanned` can say. */
const SUFFIX_UNREAD = new Unexplained(['invalid-tag', 'not-a-version', 'commit-hash', 'other-variant', 'other-precision', 'build-number', 'outside-range', 'prerelease-excluded']);

export function versionRanking(rules: VersionRules): Ranking<Version> {
  const compat = compatibilityCheck(rules.compat, rules.reference, rules.currentTag);
  let mostParts = 0;
  const read = versionReader(rules);
  /** A version inside every check: a candidate. */
  const admitted = (version: Version): Version => {
    if (version.release.length > mostParts) mostParts = version.release.length;
    return version;
  };
  /** The rest of the checks, on a version compatible with the reference. */
  const inside = (version: Version): Verdict<Version> => {
    const rejection = rules.bound(version);
    if (rejection !== undefined) return rejection;
    if (isPrerelease(version) && !rules.takesPrereleases && !compat.prereleaseAllowed(version)) return rules.prereleaseExcluded;
    return admitted(version);
  };
  const scannedBound = rules.scannedBound;
  /** `inside` for the version `scanVersion` last read from `tag`: the bound on the scan first. */
  const insideScanned = (tag: string): Verdict<Version> => scannedBound?.() ?? inside(scannedVersion(tag));
  // The tag's own version proves it valid (see checksGrammar): only the tags that are not versions
  // are checked against the grammar. A Flux extraction reads another text, so the engine checks.
  const checksGrammar = rules.text === undefined;
  const valid = checksGrammar ? validColumn(rules.memo) : undefined;
  const notAVersion = (tag: string, at: number, verdict: Rejected): Rejected => (!checksGrammar || validAt(valid, at, tag) ? verdict : INVALID_TAG);
  const admitRead = (version: Version | null | undefined, tag: string, at: number): Verdict<Version> => {
    if (version === undefined) return rules.mismatch ?? NOT_A_VERSION;
    if (version === null) return notAVersion(tag, at, isCommitHash(tag) ? COMMIT_HASH : NOT_A_VERSION);
    return compat.check(version) ?? inside(version);
  };
  /** The tag's own version, checked before it is built: most tags of a list are turned down on their variant or precision. */
  const admitScanned = (tag: string, at: number): Verdict<Version> => {
    if (!scanVersion(tag)) return notAVersion(tag, at, isCommitHash(tag) ? COMMIT_HASH : NOT_A_VERSION);
    return compat.checkScanned(tag) ?? insideScanned(tag);
  };
  const takesPrereleases = rules.takesPrereleases;
  /** The first segment of the scanned tag's suffix puts it out (a prerelease or a variant the policy never takes). */
  const outOnSuffixStart = (tag: string): boolean => {
    const start = scannedSuffixStart(tag);
    if (start === SUFFIX_PRERELEASE) return !takesPrereleases && !compat.prereleaseAllowedScanned();
    return start === SUFFIX_VARIANT;
  };
  const plainOnly = compat.plainOnly;
  /**
   * The scanned version, compatible and inside the bound on its core, as a candidate: a prerelease
   * the policy never takes is out before it is built (so `inside`'s prerelease check has passed),
   * and the built version meets the bound itself.
   */
  const candidate = (tag: string): Verdict<Version> => {
    if (scannedIsPrerelease() && !takesPrereleases && !compat.prereleaseAllowedScanned()) return PRERELEASE_UNBUILT;
    const version = scannedVersion(tag);
    return rules.bound(version) ?? admitted(version);
  };
  /**
   * `admitScanned` as a first selection runs it: a tag is turned down as soon as it is sure to be
   * out, on its core before its suffix is read, on being a prerelease before a version is built.
   * Most tags are out (another precision, major or range; not a version at all), so most are never
   * read whole; one with a suffix left unread is `Unexplained`, and `admitScanned` says why only
   * when an explanation asks. A version without a suffix has nothing more to read: it gets its reason.
   */
  const admitFirst = (tag: string): Verdict<Version> => {
    if (!scanCore(tag)) return NO_CORE;
    const out = compat.checkScannedParts() ?? scannedBound?.();
    if (out !== undefined) return scannedCoreOnly(tag) ? (compat.checkScanned(tag) ?? out) : SUFFIX_UNREAD;
    // Read only for a policy of the plain variant: for another, most segments it reads are read again.
    if ((plainOnly && outOnSuffixStart(tag)) || !scanSuffix(tag)) return SUFFIX_UNREAD;
    return compat.checkScanned(tag) ?? candidate(tag);
  };
  /** `admitFirst` for a version whose shape the reference takes: its reason, if it is out on its core, is the bound's. */
  const admitShaped = (tag: string): Verdict<Version> => {
    scanCore(tag);
    const out = scannedBound?.();
    if (out !== undefined) return out;
    scanSuffix(tag);
    return candidate(tag);
  };
  // Flux's extraction reads another text than the tag: only the tag's own version has a shape per
  // list. A list selected once reads its versions as before; the second selection codes them.
  const shapes = rules.text === undefined ? rules.memo?.kept('version-shapes', (length) => new VersionShapes(length), 2) : undefined;
  /** This selection's compatibility verdict per shape code: null when the shape passes. */
  const byShape: (Rejected | null | undefined)[] = [];
  const ranking: Ranking<Version> = {
    admit(info, at): Verdict<Version> {
      const tag = info.tag;
      // Longer than a tag may be, or no text at all: nothing to read (`validTag` says so too).
      if (checksGrammar && (typeof tag !== 'string' || tag.length > MAX_TAG_LENGTH)) return INVALID_TAG;
      if (shapes === undefined) return checksGrammar ? admitFirst(tag) : admitRead(read(tag), tag, at);
      let code = shapes.codes[at] ?? UNREAD;
      let version: Version | null | undefined;
      if (code === UNREAD) {
        version = parseVersion(tag);
        code = shapes.codes[at] = shapes.codeOf(version, tag);
        if (code === UNREAD) return admitRead(version, tag, at);
      }
      if (code === NOT_A_VERSION_CODE) return notAVersion(tag, at, NOT_A_VERSION);
      if (code === COMMIT_HASH_CODE) return notAVersion(tag, at, COMMIT_HASH);
      let verdict = byShape[code];
      if (verdict === undefined) byShape[code] = verdict = compat.check(shapes.shape(code)) ?? null;
      if (verdict !== null) return verdict;
      if (version) return inside(version);
      // A tag with a shape is a version: read again only the tags whose shape the reference takes.
      return admitShaped(tag);
    },
    explain(info, at) {
      const verdict = admitScanned(info.tag, at);
      if (verdict instanceof Rejected) return verdict;
      // admitFirst and admitShaped turn down only what admitScanned does (test/policy/oracle.test.ts).
      throw new Error(`internal: tag ${info.tag} was turned down unread, yet the policy takes it`);
    },
    keyOf: (info: TagInfo) => read(info.tag) ?? undefined,
    compare: compareVersions,
    prefer: variantPreference(rules.reference?.variant),
    checksGrammar,
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
