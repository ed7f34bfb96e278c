/**
 * Checks every policy shares. `validTag` runs before the policy (the tag grammar);
 * `screenMetadata` after the policy admits a tag (the filters). Their verdicts are shared
 * `Rejected` objects: a detail that names the tag's own build time or platforms is written only
 * when an explanation is read.
 */
import { hasPlatform, type TagFilters } from './filters.ts';
import { Rejected } from './ranking.ts';
import type { ListMemo } from './list-memo.ts';
import type { TagInfo } from './types.ts';
import { isValidTag } from '../image/index.ts';

export const INVALID_TAG = new Rejected('invalid-tag');

/** The typeof check guards callers that skipped validation: RegExp#test(undefined) tests "undefined". */
export function validTag(tag: unknown): boolean {
  return typeof tag === 'string' && isValidTag(tag);
}

/** The tag grammar's answer per tag of a list, kept with it: 1 for valid, 2 for not, 0 not read yet. */
export function validColumn(memo: ListMemo | undefined): Uint8Array | undefined {
  return memo?.kept('valid', (length) => new Uint8Array(length));
}

/** `validTag` for the tag at `at`, once per tag of a list. */
export function validAt(valid: Uint8Array | undefined, at: number, tag: string): boolean {
  const known = valid?.[at];
  if (known !== undefined && known !== 0) return known === 1;
  const ok = validTag(tag);
  if (valid !== undefined) valid[at] = ok ? 1 : 2;
  return ok;
}

/** The filters' verdicts, built once per filter set. */
interface FilterVerdicts {
  noPlatforms: Rejected;
  missingPlatform: Rejected;
  noBuildTime: Rejected;
  tooYoung: Rejected;
  ignored: Rejected;
  unsigned: Rejected;
  badSignature: Rejected;
}

const verdictsOf = new WeakMap<TagFilters, FilterVerdicts>();

/** One set per filter set: no detail depends on the clock (the age names the build time only). */
function verdictsFor(filters: TagFilters): FilterVerdicts {
  let verdicts = verdictsOf.get(filters);
  if (verdicts === undefined) verdictsOf.set(filters, (verdicts = filterVerdicts(filters)));
  return verdicts;
}

function filterVerdicts(filters: TagFilters): FilterVerdicts {
  const minAge = filters.minAge ?? '';
  const signed = (info: TagInfo) => `${filters.signature ?? ''}: ${info.signature?.detail ?? (info.signature?.status === 'unsigned' ? 'no signature' : 'no signature verifies')}`;
  return {
    noPlatforms: new Rejected('missing-platform', 'no platform list'),
    missingPlatform: new Rejected('missing-platform', undefined, (info) => `not built for ${filters.platforms.filter((platform) => !hasPlatform(info.platforms ?? [], platform)).join(', ')}`),
    noBuildTime: new Rejected('unknown-build-time', `min-age ${minAge} needs a build time`),
    tooYoung: new Rejected('too-young', undefined, (info) => `built ${new Date(info.created?.getTime() ?? Number.NaN).toISOString()}, min-age ${minAge}`),
    ignored: new Rejected('ignored', undefined, (info) => `matches ignore pattern "${filters.ignore.find((matcher) => matcher.test(info.tag))?.source ?? ''}"`),
    unsigned: new Rejected('unsigned', undefined, signed),
    badSignature: new Rejected('bad-signature', undefined, signed),
  };
}

/** Whether any filter is set: a policy without filters skips `screenMetadata` altogether. */
export function filtersSet(filters: TagFilters): boolean {
  return filters.ignore.length > 0 || filters.platforms.length > 0 || filters.minAgeMs !== undefined || filters.signature !== undefined;
}

/**
 * Runs on candidates only, cheapest check first: glob matching costs more than the policies' own
 * checks and than looking at platforms and build times.
 */
export function screenMetadata(filters: TagFilters, info: TagInfo, now: number): Rejected | undefined {
  if (!filtersSet(filters)) return undefined;
  const verdicts = verdictsFor(filters);
  return missingPlatform(filters, info, verdicts) ?? tooYoung(filters, info, now, verdicts) ?? ignored(filters, info, verdicts) ?? unverified(filters, info, verdicts);
}

/**
 * Under a signature policy a tag whose check failed is out. A tag not checked yet passes: the
 * caller verifies the one selected and selects again without it when it fails (checks cost requests).
 */
function unverified(filters: TagFilters, info: TagInfo, verdicts: FilterVerdicts): Rejected | undefined {
  if (filters.signature === undefined || info.signature === undefined || info.signature.status === 'valid') return undefined;
  return info.signature.status === 'unsigned' ? verdicts.unsigned : verdicts.badSignature;
}

function ignored(filters: TagFilters, info: TagInfo, verdicts: FilterVerdicts): Rejected | undefined {
  const ignore = filters.ignore;
  for (let i = 0; i < ignore.length; i++) if ((ignore[i] as TagFilters['ignore'][number]).test(info.tag)) return verdicts.ignored;
  return undefined;
}

function missingPlatform(filters: TagFilters, info: TagInfo, verdicts: FilterVerdicts): Rejected | undefined {
  if (filters.platforms.length === 0) return undefined;
  const available = info.platforms;
  if (available === undefined) return verdicts.noPlatforms;
  for (const platform of filters.platforms) if (!hasPlatform(available, platform)) return verdicts.missingPlatform;
  return undefined;
}

function tooYoung(filters: TagFilters, info: TagInfo, now: number, verdicts: FilterVerdicts): Rejected | undefined {
  if (filters.minAgeMs === undefined) return undefined;
  const created = info.created?.getTime();
  if (created === undefined || Number.isNaN(created)) return verdicts.noBuildTime;
  return now - created >= filters.minAgeMs ? undefined : verdicts.tooYoung;
}
