/**
 * Policy strings (`semver:~1.2`, `glob:main-*`, `minor`, …) parsed into a Policy value. An invalid
 * policy is an error naming the text and the reason: never a policy that silently matches
 * everything or nothing.
 */
import { NO_FILTERS, type TagFilters } from './filters.ts';
import { compileGlob, compileRegex, type Matcher } from './pattern.ts';
import { RELATIVE_LEVELS, type RelativeLevel } from './relative.ts';
import { parseRange, type SemverRange } from './semver-policy.ts';
import type { SortOrder } from './ordered.ts';
import type { PolicyNeeds } from './types.ts';
import { isValidTag } from '../image/ref.ts';

export class PolicyError extends Error {
  override name = 'PolicyError';
}

interface PolicyBase {
  /** The policy as written (trimmed), for messages and commits. */
  source: string;
  /** Ignore patterns, minimum age and platforms; empty unless added with `withFilters`. */
  filters: TagFilters;
  /** The user asked to move to the best candidate even when the current tag ranks higher. */
  allowDowngrade?: boolean;
}

export interface SemverPolicy extends PolicyBase {
  kind: 'semver';
  range: SemverRange;
}

/** Ordered by build time. */
export interface GlobPolicy extends PolicyBase {
  kind: 'glob';
  glob: Matcher;
}

/** Ordered by the named group's capture when there is one, else by build time. */
export interface RegexpPolicy extends PolicyBase {
  kind: 'regexp';
  regex: RegExp;
  group?: string;
}

/** Ordered by the named group's capture, or by the whole tag; `asc` picks the highest. */
export interface SortedPolicy extends PolicyBase {
  kind: 'alphabetical' | 'numerical';
  order: SortOrder;
  regex?: RegExp;
  group?: string;
}

export interface RelativePolicy extends PolicyBase {
  kind: 'relative';
  level: RelativeLevel;
}

/** Follows one mutable tag by digest; without `follow`, the tag the slot holds now. */
export interface DigestPolicy extends PolicyBase {
  kind: 'digest';
  follow?: string;
}

export type Policy = SemverPolicy | GlobPolicy | RegexpPolicy | SortedPolicy | RelativePolicy | DigestPolicy;

export type PolicyKind = Policy['kind'];

export const MAX_POLICY_LENGTH = 512;

type Parser = (arg: string | undefined, base: PolicyBase) => Policy;

const PARSERS: Record<string, Parser> = {
  semver: (arg, base) => ({ ...base, kind: 'semver', range: parseRange(required(arg, 'a range')) }),
  glob: (arg, base) => ({ ...base, kind: 'glob', glob: compileGlob(required(arg, 'a pattern')) }),
  regexp: parseRegexp,
  regex: parseRegexp,
  alphabetical: (arg, base) => ({ ...base, kind: 'alphabetical', ...parseSorted(arg) }),
  numerical: (arg, base) => ({ ...base, kind: 'numerical', ...parseSorted(arg) }),
  digest: (arg, base) => ({ ...base, kind: 'digest', ...parseFollow(arg) }),
  ...Object.fromEntries(RELATIVE_LEVELS.map((level) => [level, relativeParser(level)])),
};

function relativeParser(level: RelativeLevel): Parser {
  return (arg, base) => {
    if (arg !== undefined) throw new Error(`"${level}" takes no argument`);
    return { ...base, kind: 'relative', level };
  };
}

/** Parses a policy string; throws PolicyError naming the text and what is wrong with it. */
export function parsePolicy(text: string): Policy {
  const source = text.trim();
  if (source.length > MAX_POLICY_LENGTH) throw new PolicyError(`policy longer than ${MAX_POLICY_LENGTH} characters`);
  const colon = source.indexOf(':');
  const kind = (colon < 0 ? source : source.slice(0, colon)).trim().toLowerCase();
  const arg = colon < 0 ? undefined : source.slice(colon + 1).trim();
  if (kind === '') throw new PolicyError(`invalid policy "${text}": empty`);
  const parse = Object.hasOwn(PARSERS, kind) ? PARSERS[kind] : undefined;
  if (parse === undefined) throw new PolicyError(`unknown policy kind "${kind}" in "${text}" (expected one of ${Object.keys(PARSERS).join(', ')})`);
  try {
    return parse(arg, { source, filters: NO_FILTERS });
  } catch (error) {
    throw new PolicyError(`invalid policy "${source}": ${(error as Error).message}`);
  }
}

function required(arg: string | undefined, what: string): string {
  if (arg === undefined || arg === '') throw new Error(`needs ${what} after the colon`);
  return arg;
}

function parseRegexp(arg: string | undefined, base: PolicyBase): RegexpPolicy {
  const regex = compileRegex(required(arg, 'a regular expression'));
  const group = orderGroup(regex.source);
  return group === undefined ? { ...base, kind: 'regexp', regex } : { ...base, kind: 'regexp', regex, group };
}

const NAMED_GROUP = /\(\?<([A-Za-z_$][A-Za-z0-9_$]*)>/g;

/** The named group to order by: the only one, or the one named `order` when there are several. */
function orderGroup(pattern: string): string | undefined {
  const names = [...pattern.matchAll(NAMED_GROUP)].map((match) => match[1] ?? '');
  if (names.length <= 1) return names[0];
  if (names.includes('order')) return 'order';
  throw new Error(`several named groups (${names.join(', ')}); name the one to order by "order"`);
}

const ORDER = /^(asc|desc)(?::|$)/;

/** `[asc|desc][:<regex>]` or `<regex>`: a tag cannot contain ":", so "asc:" is never regex text. */
function parseSorted(arg: string | undefined): { order: SortOrder; regex?: RegExp; group?: string } {
  if (arg === undefined) return { order: 'asc' };
  const match = ORDER.exec(arg);
  const order: SortOrder = match?.[1] === 'desc' ? 'desc' : 'asc';
  const pattern = match === null ? arg : arg.slice(match[0].length);
  if (pattern === '') {
    if (match === null) throw new Error('needs asc, desc or a regular expression after the colon');
    return { order };
  }
  const regex = compileRegex(pattern);
  const group = orderGroup(regex.source);
  return group === undefined ? { order, regex } : { order, regex, group };
}

function parseFollow(arg: string | undefined): { follow?: string } {
  if (arg === undefined) return {};
  if (!isValidTag(arg)) throw new Error(`"${arg}" is not a valid tag`);
  return { follow: arg };
}

/** The same policy with filters added (replacing any it had). */
export function withFilters<P extends Policy>(policy: P, filters: TagFilters): P {
  return { ...policy, filters };
}

/** The same policy, allowed to move the slot below its current tag (a deliberate rollback). */
export function withDowngrade<P extends Policy>(policy: P): P {
  return { ...policy, allowDowngrade: true };
}

/** What the registry layer must fetch beyond tag names for this policy. */
export function policyNeeds(policy: Policy): PolicyNeeds {
  return {
    created: ordersByBuildTime(policy) || policy.filters.minAgeMs !== undefined,
    digests: policy.kind === 'digest',
    platforms: policy.filters.platforms.length > 0,
  };
}

export function ordersByBuildTime(policy: Policy): boolean {
  return policy.kind === 'glob' || (policy.kind === 'regexp' && policy.group === undefined);
}


// The contract names policy.ts as the home of selectTag; callers import it from here.
export { selectTag } from './select.ts';
