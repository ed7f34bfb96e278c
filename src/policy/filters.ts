/**
 * Filters that apply on top of any policy: ignore patterns, a minimum age (soak time) and required
 * platforms. They only remove candidates; they never add one.
 */
import { compileGlob, compileRegex, PatternError, type Matcher } from './pattern.ts';
import { parseDuration as readDuration } from './duration.ts';
import { TagpilotError } from '../problems/index.ts';

export interface TagFilters {
  /** A tag matching any of these is never a candidate. */
  ignore: readonly Matcher[];
  /** A candidate must be at least this old (build time); needs `created`. */
  minAgeMs?: number;
  /** The text the minimum age was written as, for messages. */
  minAge?: string;
  /** A candidate must be built for every one of these platforms (`os/arch[/variant]`). */
  platforms: readonly string[];
  /** A candidate must carry a valid signature under this signature policy (named in the config). */
  signature?: string;
}

/** Shared by every policy without filters, so frozen all the way down. */
export const NO_FILTERS: TagFilters = Object.freeze({ ignore: Object.freeze([]), platforms: Object.freeze([]) });

export class FilterError extends TagpilotError {
  override name = 'FilterError';

  constructor(message: string, options?: ErrorOptions) {
    super('filter-invalid', message, options);
  }
}

export const MAX_IGNORE_PATTERNS = 32;

/**
 * Ignore patterns, comma separated: each a glob on the tag, or `regexp:`/`regex:` followed by a
 * regular expression (which then cannot contain a comma).
 */
export function parseIgnore(text: string): Matcher[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new FilterError(`no pattern in ignore list "${text}"`);
  if (items.length > MAX_IGNORE_PATTERNS) throw new FilterError(`more than ${MAX_IGNORE_PATTERNS} ignore patterns`);
  return items.map(compileIgnore);
}

function compileIgnore(item: string): Matcher {
  try {
    const re = /^(?:regexp|regex):/.exec(item);
    if (re === null) return compileGlob(item.replace(/^glob:/, ''));
    const regex = compileRegex(item.slice(re[0].length));
    return { source: item, test: (tag) => regex.test(tag) };
  } catch (error) {
    if (error instanceof PatternError) throw new FilterError(`ignore pattern "${item}": ${error.message}`);
    throw error;
  }
}

/** A min-age duration such as `30m`, `6h`, `1d12h`, `2w` (the grammar of `duration.ts`). */
export function parseDuration(text: string): number {
  const ms = readDuration(text);
  if (ms === undefined) throw new FilterError(`invalid duration "${text}" (expected e.g. 30m, 6h, 1d12h; units ms s m h d w)`);
  return ms;
}

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;

/** Required platforms, comma separated: `linux/amd64,linux/arm64`. */
export function parsePlatforms(text: string): string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new FilterError(`no platform in "${text}"`);
  for (const item of items) {
    if (!PLATFORM.test(item)) throw new FilterError(`invalid platform "${item}" (expected os/arch or os/arch/variant)`);
  }
  return items;
}

/** A required `os/arch` is satisfied by any variant of it; `os/arch/variant` only by that variant. */
export function hasPlatform(available: readonly string[], required: string): boolean {
  for (const platform of available) {
    if (platform === required) return true;
    if (platform.length > required.length && platform.startsWith(required) && platform.charCodeAt(required.length) === 47) return true; // "/"
  }
  return false;
}

export interface FilterTexts {
  ignore?: string;
  minAge?: string;
  platforms?: string;
  signature?: string;
}

/** Builds filters from their written forms; throws FilterError naming the bad one. */
export function parseFilters(texts: FilterTexts): TagFilters {
  let filters: TagFilters = { ignore: [], platforms: [] };
  for (const field of ['ignore', 'minAge', 'platforms', 'signature'] as const) {
    const text = texts[field];
    if (text !== undefined) filters = { ...filters, ...parseFilter(field, text) };
  }
  return filters;
}

/** One filter from its written form: the part of TagFilters it sets. */
export function parseFilter(field: keyof FilterTexts, text: string): Partial<TagFilters> {
  switch (field) {
    case 'ignore':
      return { ignore: parseIgnore(text) };
    case 'platforms':
      return { platforms: parsePlatforms(text) };
    case 'minAge':
      return { minAgeMs: parseDuration(text), minAge: text.trim() };
    case 'signature':
      return { signature: parseSignaturePolicyName(text) };
  }
}

/** A signature policy's name, as the config's `signatures.policies` keys are written. */
export const SIGNATURE_POLICY_NAME = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;

function parseSignaturePolicyName(text: string): string {
  const name = text.trim();
  if (!SIGNATURE_POLICY_NAME.test(name)) throw new FilterError(`"${name.slice(0, 80)}" is not a signature policy name (lowercase letters, digits, . _ -, as in the config's signatures.policies)`);
  return name;
}
