/** Checks every policy shares: the tag grammar and the filters. */
import { hasPlatform, type TagFilters } from './filters.ts';
import type { Rejection, TagInfo } from './types.ts';
import { isValidTag } from '../image/ref.ts';

/** The checks every policy shares: tag grammar and the filters. Undefined when the tag passes. */
export function screen(filters: TagFilters, info: TagInfo): Rejection | undefined {
  const tag = info.tag;
  if (!isValidTag(tag)) return { tag, reason: 'invalid-tag' };
  const ignoredBy = filters.ignore.find((matcher) => matcher.test(tag));
  if (ignoredBy !== undefined) return { tag, reason: 'ignored', detail: `matches ignore pattern "${ignoredBy.source}"` };
  return undefined;
}

/** Filters that need registry metadata, checked after the policy admits the tag. */
export function screenMetadata(filters: TagFilters, info: TagInfo, now: number): Rejection | undefined {
  const tag = info.tag;
  const missing = filters.platforms.filter((platform) => !hasPlatform(info.platforms ?? [], platform));
  if (missing.length > 0) {
    return { tag, reason: 'missing-platform', detail: info.platforms === undefined ? 'no platform list' : `not built for ${missing.join(', ')}` };
  }
  if (filters.minAgeMs === undefined) return undefined;
  const created = info.created?.getTime();
  if (created === undefined || Number.isNaN(created)) return { tag, reason: 'unknown-build-time', detail: `min-age ${filters.minAge ?? ''} needs a build time` };
  if (now - created < filters.minAgeMs) return { tag, reason: 'too-young', detail: `built ${info.created?.toISOString()}, min-age ${filters.minAge ?? ''}` };
  return undefined;
}
