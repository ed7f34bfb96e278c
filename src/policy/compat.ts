/**
 * What a candidate must share with the current tag under a version policy: the variant
 * (`-alpine`, `-slim-bookworm`; build counters aside) and the precision (how many numeric parts),
 * and when a prerelease may be taken. Policy options widen it: `variant=any|plain|same|<regex>`,
 * `precision=any|same|1..4`, `prerelease=any|same` (docs/policies.md, "Compatibility").
 */
import { compileRegex, PatternError } from './pattern.ts';
import { reject, type Rejected } from './ranking.ts';
import { compareScannedCore, isPrerelease, sameCore, scannedFirstPart, scannedParts, scannedVariant, scannedVariantIs, type Version } from './version.ts';

export type VariantRule = { kind: 'same' } | { kind: 'any' } | { kind: 'plain' } | { kind: 'match'; source: string; test(variant: string): boolean };

export type PrecisionRule = 'same' | 'any' | 1 | 2 | 3 | 4;

export interface Compatibility {
  variant: VariantRule;
  precision: PrecisionRule;
  /** `same`: only prereleases of the current tag's core (or those the range names); `any`: all. */
  prerelease: 'same' | 'any';
}

export const DEFAULT_COMPATIBILITY: Compatibility = Object.freeze({ variant: Object.freeze({ kind: 'same' }), precision: 'same', prerelease: 'same' });

const OPTION = /^([a-z]+)=(\S*)$/i;

/** True for a token that is an option (`name=value`); range words and regexes never look like one. */
export function isOptionToken(token: string): boolean {
  return OPTION.test(token);
}

/** Reads `name=value` options; throws an Error naming the bad one. */
export function parseCompatibility(tokens: readonly string[]): Compatibility {
  const seen = new Set<string>();
  let compat: Compatibility = DEFAULT_COMPATIBILITY;
  for (const token of tokens) {
    const [, rawName = '', value = ''] = OPTION.exec(token) ?? [];
    const name = rawName.toLowerCase();
    if (seen.has(name)) throw new Error(`option "${name}=" given twice`);
    seen.add(name);
    compat = { ...compat, ...readOption(name, value) };
  }
  return compat;
}

function readOption(name: string, value: string): Partial<Compatibility> {
  switch (name) {
    case 'variant':
      return { variant: readVariant(value) };
    case 'precision':
      return { precision: readPrecision(value) };
    case 'prerelease': {
      if (value !== 'same' && value !== 'any') throw new Error(`prerelease=${value}: expected same or any`);
      return { prerelease: value };
    }
    default:
      throw new Error(`unknown option "${name}=" (expected variant=, precision= or prerelease=)`);
  }
}

function readVariant(value: string): VariantRule {
  if (value === 'same' || value === 'any' || value === 'plain') return { kind: value };
  if (value === '') throw new Error('variant= needs a value: same, any, plain or a regular expression');
  // The whole variant must match: `variant=alpine` is not `alpine3.18`.
  let regex: ReturnType<typeof compileRegex>;
  try {
    regex = compileRegex(`^(?:${value})$`);
  } catch (error) {
    if (error instanceof PatternError && error.message.includes('empty string')) throw new Error(`variant=${value} also matches the plain variant; say variant=any to take every variant`);
    throw error;
  }
  return { kind: 'match', source: value, test: remembered((variant) => regex.test(variant)) };
}

/** A list holds few distinct variants (tens) among thousands of tags: each is matched once. */
const REMEMBERED_VARIANTS = 256;

function remembered(test: (variant: string) => boolean): (variant: string) => boolean {
  const seen = new Map<string, boolean>();
  return (variant) => {
    const known = seen.get(variant);
    if (known !== undefined) return known;
    const result = test(variant);
    // Bounded: a hostile list of distinct variants falls back to matching each, never grows this.
    if (seen.size < REMEMBERED_VARIANTS) seen.set(variant, result);
    return result;
  };
}

function readPrecision(value: string): PrecisionRule {
  if (value === 'same' || value === 'any') return value;
  if (/^[1-4]$/.test(value)) return Number(value) as 1 | 2 | 3 | 4;
  throw new Error(`precision=${value}: expected same, any or a number of parts from 1 to 4`);
}

/**
 * The compatibility checks of one selection, against the reference version (the current tag's, or
 * null for a new slot). Rejections are built once: they depend on the reference, not the tag.
 */
/**
 * What the compatibility of a version depends on: its variant and its numeric parts (how many,
 * and for a one-part version whether it is a build number). A Version is one; version-ranking.ts
 * checks one representative per distinct shape of a list.
 */
export interface Shape {
  variant: string;
  release: readonly number[];
}

export interface CompatibilityCheck {
  /** A rejection when the version does not share what it must with the reference. */
  check(shape: Shape): Rejected | undefined;
  /** `check` for the version `scanVersion` last read from `tag`, before it is built (version.ts). */
  checkScanned(tag: string): Rejected | undefined;
  /** The precision part of `check`, for the core `scanCore` last read: all it needs is the parts. */
  checkScannedParts(): Rejected | undefined;
  /** Whether a prerelease may be a candidate (the range or level aside). */
  prereleaseAllowed(version: Version): boolean;
  /** `prereleaseAllowed` for the version `scanVersion` last read. */
  prereleaseAllowedScanned(): boolean;
  /** A new slot takes the highest precision present: set when the precision waits on all candidates. */
  deferredPrecision: boolean;
  /** Only the plain variant passes. */
  plainOnly: boolean;
}

export function compatibilityCheck(compat: Compatibility, reference: Version | null, currentTag: string | undefined): CompatibilityCheck {
  const variant = variantCheck(compat.variant, reference, currentTag);
  const precision = precisionCheck(compat.precision, reference, currentTag);
  return {
    check(shape) {
      return variant.shape(shape) ?? precision(shape.release.length, shape.release[0] ?? 0);
    },
    checkScanned(tag) {
      return variant.scanned(tag) ?? precision(scannedParts(), scannedFirstPart());
    },
    checkScannedParts() {
      return precision(scannedParts(), scannedFirstPart());
    },
    prereleaseAllowed(version) {
      if (compat.prerelease === 'any') return true;
      return reference !== null && isPrerelease(reference) && sameCore(reference, version);
    },
    prereleaseAllowedScanned() {
      if (compat.prerelease === 'any') return true;
      return reference !== null && isPrerelease(reference) && compareScannedCore(reference.release, 4) === 0;
    },
    deferredPrecision: compat.precision === 'same' && reference === null,
    plainOnly: compat.variant.kind === 'plain' || (compat.variant.kind === 'same' && (reference?.variant ?? '') === ''),
  };
}

type Check = (shape: Shape) => Rejected | undefined;

/** A rule on the variant, for a built version and for a scanned one (which it reads in place). */
interface VariantCheck {
  shape: Check;
  scanned(tag: string): Rejected | undefined;
}

function variantCheck(rule: VariantRule, reference: Version | null, currentTag: string | undefined): VariantCheck {
  switch (rule.kind) {
    case 'any':
      return { shape: () => undefined, scanned: () => undefined };
    case 'plain': {
      const other = reject('other-variant', 'the policy takes the plain variant only (variant=plain)');
      return { shape: (shape) => (shape.variant === '' ? undefined : other), scanned: (tag) => (scannedVariantIs(tag, '') ? undefined : other) };
    }
    case 'match': {
      const other = reject('other-variant', `variant does not match variant=${rule.source}`);
      return { shape: (shape) => (rule.test(shape.variant) ? undefined : other), scanned: (tag) => (rule.test(scannedVariant(tag)) ? undefined : other) };
    }
    case 'same': {
      const wanted = reference?.variant ?? '';
      const other = reject('other-variant', reference === null ? 'a new slot takes the plain variant' : `current ${currentTag ?? ''} is ${describeVariant(wanted)}`);
      return { shape: (shape) => (shape.variant === wanted ? undefined : other), scanned: (tag) => (scannedVariantIs(tag, wanted) ? undefined : other) };
    }
  }
}

function describeVariant(variant: string): string {
  return variant === '' ? 'the plain variant' : `variant "${variant}"`;
}

/** A rule on the precision, by a version's number of numeric parts and its first part. */
type PartsCheck = (length: number, first: number) => Rejected | undefined;

function precisionCheck(rule: PrecisionRule, reference: Version | null, currentTag: string | undefined): PartsCheck {
  if (rule === 'any' || (rule === 'same' && reference === null)) return () => undefined;
  const parts = rule === 'same' ? (reference?.release.length ?? 0) : rule;
  const why = rule === 'same' ? `current ${currentTag ?? ''} has ${plural(parts)}` : `the policy takes ${plural(parts)} (precision=${parts})`;
  return partsRejection(parts, why);
}

/** A bare number from here up, next to dotted versions, is a build number or a date. */
export const BUILD_NUMBER = 1000;

/**
 * A version of another precision. A bare number of four digits or more (`3050`, `20240215`) next
 * to dotted versions is a build number or a date; a short one (`16`) is a floating major tag.
 */
export function precisionRejection(parts: number, why: string): Check {
  const check = partsRejection(parts, why);
  return (shape) => check(shape.release.length, shape.release[0] ?? 0);
}

function partsRejection(parts: number, why: string): PartsCheck {
  const other = reject('other-precision', why);
  const build = reject('build-number', `a build number or date; ${why}`);
  return (length, first) => {
    if (length === parts) return undefined;
    return length === 1 && parts > 1 && first >= BUILD_NUMBER ? build : other;
  };
}

export function plural(parts: number): string {
  return `${parts} numeric part${parts === 1 ? '' : 's'}`;
}
