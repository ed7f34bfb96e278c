/** Frozen copy of the selection engine as it was at main bb6152d, before the reasons were made lazy: the test oracle of test/policy/oracle.test.ts. Not used by src/. */
/**
 * Checks every policy shares. `screen` runs before the policy (the tag grammar); `screenMetadata`
 * after the policy admits a tag (the filters). Undefined means the tag passes.
 */
import { hasPlatform, type TagFilters } from '../../../src/policy/filters.ts';
import type { Rejection, TagInfo } from '../../../src/policy/types.ts';
import { isValidTag } from '../../../src/image/index.ts';

export function screen(info: TagInfo): Rejection | undefined {
  // The typeof check guards callers that skipped validation: RegExp#test(undefined) tests "undefined".
  return typeof info.tag === 'string' && isValidTag(info.tag) ? undefined : { tag: String(info.tag), reason: 'invalid-tag' };
}

/**
 * Runs on candidates only, cheapest check first: glob matching costs more than the policies' own
 * checks and than looking at platforms and build times.
 */
export function screenMetadata(filters: TagFilters, info: TagInfo, now: number): Rejection | undefined {
  return missingPlatform(filters, info) ?? tooYoung(filters, info, now) ?? ignored(filters, info) ?? unverified(filters, info);
}

/**
 * Under a signature policy a tag whose check failed is out. A tag not checked yet passes: the
 * caller verifies the one selected and selects again without it when it fails (checks cost requests).
 */
function unverified(filters: TagFilters, info: TagInfo): Rejection | undefined {
  if (filters.signature === undefined || info.signature === undefined || info.signature.status === 'valid') return undefined;
  const rejection: Rejection = { tag: info.tag, reason: info.signature.status };
  rejection.detail = `${filters.signature}: ${info.signature.detail ?? (info.signature.status === 'unsigned' ? 'no signature' : 'no signature verifies')}`;
  return rejection;
}

function ignored(filters: TagFilters, info: TagInfo): Rejection | undefined {
  if (filters.ignore.length === 0) return undefined;
  const tag = info.tag;
  const ignoredBy = filters.ignore.find((matcher) => matcher.test(tag));
  return ignoredBy === undefined ? undefined : { tag, reason: 'ignored', detail: `matches ignore pattern "${ignoredBy.source}"` };
}

function missingPlatform(filters: TagFilters, info: TagInfo): Rejection | undefined {
  if (filters.platforms.length === 0) return undefined;
  const tag = info.tag;
  const available = info.platforms;
  if (available === undefined) return { tag, reason: 'missing-platform', detail: 'no platform list' };
  // The common case (all present) allocates nothing; the list of missing ones only on failure.
  if (filters.platforms.every((platform) => hasPlatform(available, platform))) return undefined;
  const missing = filters.platforms.filter((platform) => !hasPlatform(available, platform));
  return { tag, reason: 'missing-platform', detail: `not built for ${missing.join(', ')}` };
}

function tooYoung(filters: TagFilters, info: TagInfo, now: number): Rejection | undefined {
  if (filters.minAgeMs === undefined) return undefined;
  const tag = info.tag;
  const created = info.created?.getTime();
  if (created === undefined || Number.isNaN(created)) return { tag, reason: 'unknown-build-time', detail: `min-age ${filters.minAge ?? ''} needs a build time` };
  if (now - created >= filters.minAgeMs) return undefined;
  return { tag, reason: 'too-young', detail: `built ${new Date(created).toISOString()}, min-age ${filters.minAge ?? ''}` };
}
