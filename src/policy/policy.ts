/**
 * Policy strings (`semver:~1.2`, `glob:main-*`, `minor`, …) parsed into a Policy value. An invalid
 * policy is an error naming the text and the reason: never a policy that silently matches
 * everything or nothing.
 */
import { NO_FILTERS, type TagFilters } from './filters.ts';
import { DEFAULT_COMPATIBILITY, isOptionToken, parseCompatibility, type Compatibility } from './compat.ts';
import type { TagExtract } from './extract.ts';
import { compileGlob, compileRegex, type Matcher, type TagRegex } from './pattern.ts';
import { RELATIVE_LEVELS, type RelativeLevel } from './relative.ts';
import { parseRange, type SemverRange } from './semver-policy.ts';
import type { SortOrder } from './ordered.ts';
import type { PolicyNeeds } from './types.ts';
import { isValidTag } from '../image/index.ts';
import { TagpilotError } from '../problems/index.ts';

export class PolicyError extends TagpilotError {
  override name = 'PolicyError';

  constructor(message: string, options?: ErrorOptions) {
    super('policy-invalid', message, options);
  }
}

interface PolicyBase {
  /** The policy as written (trimmed), for messages and commits. */
  source: string;
  /** Ignore patterns, minimum age and platforms; empty unless added with `withFilters`. */
  filters: TagFilters;
  /** The user asked to move to the best candidate even when the current tag ranks higher. */
  allowDowngrade?: boolean;
}

/** What a version policy's candidates share with the current tag (variant, precision, prereleases). */
interface VersionPolicyBase extends PolicyBase {
  compat: Compatibility;
}

export interface SemverPolicy extends VersionPolicyBase {
  kind: 'semver';
  range: SemverRange;
  /** Flux `filterTags`: only matching tags, read as versions after extraction. */
  extract?: TagExtract;
}

/** Ordered by build time. */
export interface GlobPolicy extends PolicyBase {
  kind: 'glob';
  glob: Matcher;
}

/** Ordered by the named group's capture when there is one, else by build time. */
export interface RegexpPolicy extends PolicyBase {
  kind: 'regexp';
  regex: TagRegex;
  group?: string;
}

/** Ordered by the named group's capture, or by the whole tag; `asc` picks the highest. */
export interface SortedPolicy extends PolicyBase {
  kind: 'alphabetical' | 'numerical';
  order: SortOrder;
  regex?: TagRegex;
  group?: string;
  /** Flux `filterTags.extract`: what is ordered, over `regex`'s named groups (wins over `group`). */
  template?: string;
}

export interface RelativePolicy extends VersionPolicyBase {
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
  semver: parseSemver,
  glob: (arg, base) => ({ ...base, kind: 'glob', glob: compileGlob(required(arg, 'a pattern')) }),
  regexp: parseRegexp,
  regex: parseRegexp,
  alphabetical: (arg, base) => ({ ...base, kind: 'alphabetical', ...parseSorted(arg) }),
  numerical: (arg, base) => ({ ...base, kind: 'numerical', ...parseSorted(arg) }),
  digest: (arg, base) => ({ ...base, kind: 'digest', ...parseFollow(arg) }),
  ...Object.fromEntries(RELATIVE_LEVELS.map((level) => [level, relativeParser(level)])),
};

function parseSemver(arg: string | undefined, base: PolicyBase): SemverPolicy {
  const { rest, compat } = splitOptions(arg);
  return { ...base, kind: 'semver', range: parseRange(required(rest, 'a range')), compat };
}

function relativeParser(level: RelativeLevel): Parser {
  return (arg, base) => {
    const { rest, compat } = splitOptions(arg);
    if (rest !== undefined) throw new Error(`"${level}" takes no argument, only options (variant=, precision=, prerelease=)`);
    return { ...base, kind: 'relative', level, compat };
  };
}

/**
 * A version policy's options are the trailing `name=value` words: `semver:^1.25 variant=any`,
 * `minor precision=any`. No range word looks like one (comparators start with an operator or a
 * digit), so the split is unambiguous.
 */
function splitOptions(arg: string | undefined): { rest: string | undefined; compat: Compatibility } {
  if (arg === undefined) return { rest: undefined, compat: DEFAULT_COMPATIBILITY };
  const words = arg.split(/\s+/).filter((word) => word !== '');
  let first = words.length;
  while (first > 0 && isOptionToken(words[first - 1] ?? '')) first--;
  const rest = words.slice(0, first).join(' ');
  return { rest: rest === '' ? undefined : rest, compat: parseCompatibility(words.slice(first)) };
}

/** `kind`, `kind:argument`, or for version policies `kind options…` (`minor variant=any`). */
const HEAD = /^([^:\s]*)\s*(:?)/;

/** Parses a policy string; throws PolicyError naming the text and what is wrong with it. */
export function parsePolicy(text: string): Policy {
  const source = text.trim();
  if (source.length > MAX_POLICY_LENGTH) throw new PolicyError(`policy longer than ${MAX_POLICY_LENGTH} characters`);
  const head = HEAD.exec(source);
  const kind = (head?.[1] ?? '').toLowerCase();
  const rest = source.slice(head?.[0].length ?? 0).trim();
  const arg = head?.[2] === ':' || rest !== '' ? rest : undefined;
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
  const group = orderGroup(regex.groupNames);
  return group === undefined ? { ...base, kind: 'regexp', regex } : { ...base, kind: 'regexp', regex, group };
}

/** The named group to order by: the only one, or the one named `order` when there are several. */
function orderGroup(names: readonly string[]): string | undefined {
  if (names.length <= 1) return names[0];
  if (names.includes('order')) return 'order';
  throw new Error(`several named groups (${names.join(', ')}); name the one to order by "order"`);
}

const ORDER = /^(asc|desc)(?::|$)/;

/** `[asc|desc][:<regex>]` or `<regex>`: a tag cannot contain ":", so "asc:" is never regex text. */
function parseSorted(arg: string | undefined): { order: SortOrder; regex?: TagRegex; group?: string } {
  if (arg === undefined) return { order: 'asc' };
  const match = ORDER.exec(arg);
  const order: SortOrder = match?.[1] === 'desc' ? 'desc' : 'asc';
  const pattern = match === null ? arg : arg.slice(match[0].length);
  if (pattern === '') {
    if (match === null) throw new Error('needs asc, desc or a regular expression after the colon');
    return { order };
  }
  const regex = compileRegex(pattern);
  const group = orderGroup(regex.groupNames);
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
