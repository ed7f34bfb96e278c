/** Frozen copy of the selection engine as it was at main bb6152d, before the reasons were made lazy: the test oracle of test/policy/oracle.test.ts. Not used by src/. */
/**
 * What a candidate must share with the current tag under a version policy: the variant
 * (`-alpine`, `-slim-bookworm`; build counters aside) and the precision (how many numeric parts),
 * and when a prerelease may be taken. Policy options widen it: `variant=any|plain|same|<regex>`,
 * `precision=any|same|1..4`, `prerelease=any|same` (docs/policies.md, "Compatibility").
 */
import type { Compatibility, PrecisionRule, VariantRule } from '../../../src/policy/compat.ts';
import type { Verdict } from './ranking.ts';
import { reject } from './ranking.ts';
import { isPrerelease, sameCore, type Version } from './version.ts';

/**
 * The compatibility checks of one selection, against the reference version (the current tag's, or
 * null for a new slot). Rejections are built once: they depend on the reference, not the tag.
 */
export interface CompatibilityCheck {
  /** A rejection when the version does not share what it must with the reference. */
  check(version: Version): Verdict<Version> | undefined;
  /** Whether a prerelease may be a candidate (the range or level aside). */
  prereleaseAllowed(version: Version): boolean;
  /** A new slot takes the highest precision present: set when the precision waits on all candidates. */
  deferredPrecision: boolean;
}

export function compatibilityCheck(compat: Compatibility, reference: Version | null, currentTag: string | undefined): CompatibilityCheck {
  const variant = variantCheck(compat.variant, reference, currentTag);
  const precision = precisionCheck(compat.precision, reference, currentTag);
  return {
    check(version) {
      return variant(version) ?? precision(version);
    },
    prereleaseAllowed(version) {
      if (compat.prerelease === 'any') return true;
      return reference !== null && isPrerelease(reference) && sameCore(reference, version);
    },
    deferredPrecision: compat.precision === 'same' && reference === null,
  };
}

type Check = (version: Version) => Verdict<Version> | undefined;

function variantCheck(rule: VariantRule, reference: Version | null, currentTag: string | undefined): Check {
  switch (rule.kind) {
    case 'any':
      return () => undefined;
    case 'plain': {
      const other = reject<Version>('other-variant', 'the policy takes the plain variant only (variant=plain)');
      return (version) => (version.variant === '' ? undefined : other);
    }
    case 'match': {
      const other = reject<Version>('other-variant', `variant does not match variant=${rule.source}`);
      return (version) => (rule.test(version.variant) ? undefined : other);
    }
    case 'same': {
      const wanted = reference?.variant ?? '';
      const other = reject<Version>('other-variant', reference === null ? 'a new slot takes the plain variant' : `current ${currentTag ?? ''} is ${describeVariant(wanted)}`);
      return (version) => (version.variant === wanted ? undefined : other);
    }
  }
}

function describeVariant(variant: string): string {
  return variant === '' ? 'the plain variant' : `variant "${variant}"`;
}

function precisionCheck(rule: PrecisionRule, reference: Version | null, currentTag: string | undefined): Check {
  if (rule === 'any' || (rule === 'same' && reference === null)) return () => undefined;
  const parts = rule === 'same' ? (reference?.release.length ?? 0) : rule;
  const why = rule === 'same' ? `current ${currentTag ?? ''} has ${plural(parts)}` : `the policy takes ${plural(parts)} (precision=${parts})`;
  return precisionRejection(parts, why);
}

/**
 * A version of another precision. A bare number of four digits or more (`3050`, `20240215`) next
 * to dotted versions is a build number or a date; a short one (`16`) is a floating major tag.
 */
export function precisionRejection(parts: number, why: string): Check {
  const other = reject<Version>('other-precision', why);
  const build = reject<Version>('build-number', `a build number or date; ${why}`);
  return (version) => {
    const length = version.release.length;
    if (length === parts) return undefined;
    return length === 1 && parts > 1 && (version.release[0] ?? 0) >= 1000 ? build : other;
  };
}

export function plural(parts: number): string {
  return `${parts} numeric part${parts === 1 ? '' : 's'}`;
}
