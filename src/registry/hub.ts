/**
 * Docker Hub's own API for tag lists: `GET /v2/namespaces/{ns}/repositories/{repo}/tags`, 100 a
 * page, each tag with its `last_updated` (push time), digest and platforms. One page of 100 tags
 * replaces the per-tag manifest and config requests a build-time or platform policy would otherwise
 * make. Hub's `ratelimit-remaining` / `ratelimit-reset` headers are kept as a budget per host: an
 * empty budget fails the repository at once instead of earning a 429. Where the API does not serve
 * (a private or missing repository), the caller uses the Distribution API.
 */
import { isValidTag } from '../image/index.ts';
import { REGISTRY_CODES, TransportError } from './errors.ts';
import { header, type Exchange, type Reply } from './http.ts';
import { deadline } from './limits.ts';
import type { TagPaging } from './tags.ts';
import { normalisePlatform } from './manifests.ts';
import type { TagInfo } from '../policy/index.ts';

export const HUB_API = 'https://hub.docker.com';
const PAGE_SIZE = 100;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

export interface HubListing {
  tags: TagInfo[];
  invalid: string[];
}

/** Requests left at a host and when the window resets (epoch ms), as its last answer said. */
export class HubBudget {
  private readonly hosts = new Map<string, { remaining: number; resetAt: number }>();

  /** Throws when the host said no requests are left and its window has not reset. */
  check(host: string, now = Date.now()): void {
    const budget = this.hosts.get(host);
    if (budget === undefined || budget.remaining > 0 || now >= budget.resetAt) return;
    throw new TransportError(`${host}: Docker Hub rate limit reached (ratelimit-remaining: 0) until ${new Date(budget.resetAt).toISOString()}`, false, 429);
  }

  record(host: string, reply: Reply, now = Date.now()): void {
    const remaining = leadingInt(header(reply, 'ratelimit-remaining') ?? header(reply, 'x-ratelimit-remaining'));
    if (remaining === undefined) return;
    const reset = leadingInt(header(reply, 'ratelimit-reset') ?? header(reply, 'x-ratelimit-reset'));
    // Hub sends a Unix time; a small number is read as seconds from now.
    const resetAt = reset === undefined ? now + 60_000 : reset > 1e9 ? reset * 1000 : now + reset * 1000;
    this.hosts.set(host, { remaining, resetAt });
  }
}

/** `76;w=21600` → 76. */
function leadingInt(value: string | undefined): number | undefined {
  const match = /^\s*(\d{1,12})/.exec(value ?? '');
  return match === null ? undefined : Number(match[1]);
}

/**
 * Every tag of `namespace/repository` through the Hub API, within the registry's bounds on tags,
 * pages and time (the same as for Distribution listings), or undefined where the API does not
 * serve it (404, 401, 403): then the Distribution API is asked instead.
 */
export async function listHubTags(api: URL, path: string, paging: Pick<TagPaging, 'maxTags' | 'maxPages' | 'timeoutMs'>, send: (exchange: Exchange) => Promise<Reply>, budget: HubBudget, signal?: AbortSignal): Promise<HubListing | undefined> {
  const [namespace, ...rest] = path.split('/');
  if (namespace === undefined || rest.length !== 1) return undefined; // Hub repositories are namespace/name
  const limit = deadline(paging.timeoutMs, () => new TransportError(`${api.host} did not finish listing tags within ${paging.timeoutMs / 1000}s (listTimeout)`, false, undefined, { code: REGISTRY_CODES.listingDeadline, data: { host: api.host, timeoutMs: paging.timeoutMs } }), signal);
  try {
    const first = new URL(`/v2/namespaces/${encodeURIComponent(namespace)}/repositories/${encodeURIComponent(rest[0]!)}/tags?page_size=${PAGE_SIZE}`, api);
    return await listPages(api, first, paging, (url) => send({ method: 'GET', url, headers: { accept: 'application/json' }, maxBytes: MAX_PAGE_BYTES, kind: 'hub', signal: limit.signal }), budget);
  } finally {
    limit.clear();
  }
}

async function listPages(api: URL, first: URL, paging: Pick<TagPaging, 'maxTags' | 'maxPages'>, get: (url: URL) => Promise<Reply>, budget: HubBudget): Promise<HubListing | undefined> {
  const tags = new Map<string, TagInfo>();
  const invalid: string[] = [];
  const seen = new Set<string>();
  for (let url: URL | undefined = first; url !== undefined; ) {
    if (seen.has(url.href)) throw new TransportError(`${api.host} sent a pagination loop`, false);
    if (seen.size >= paging.maxPages) throw tooMany(api, `more than ${paging.maxPages} pages of tags`, 'maxPages', paging.maxPages);
    seen.add(url.href);
    budget.check(api.host);
    const reply = await get(url);
    budget.record(api.host, reply);
    if (reply.status === 404 || reply.status === 401 || reply.status === 403) return tags.size === 0 ? undefined : failPage(api, reply.status);
    if (reply.status !== 200) return failPage(api, reply.status);
    const page = readPage(reply, api);
    for (const item of page.results) {
      if (!isValidTag(item.tag)) {
        if (invalid.length < 5) invalid.push(item.tag.slice(0, 140));
        continue;
      }
      if (tags.size >= paging.maxTags && !tags.has(item.tag)) throw tooMany(api, `more than ${paging.maxTags} tags`, 'maxTags', paging.maxTags);
      tags.set(item.tag, item);
    }
    url = nextPage(page.next, api);
  }
  return { tags: [...tags.values()], invalid };
}

function tooMany(api: URL, what: string, setting: string, limit: number): TransportError {
  return new TransportError(`${api.host} sent ${what}; raise ${setting} for docker.io if that is expected`, false, undefined, { code: REGISTRY_CODES.paginationLimit, data: { host: api.host, setting, limit } });
}

function failPage(api: URL, status: number): never {
  throw new TransportError(`${api.host} answered ${status} for the tag list`, status === 429 || status >= 500, status);
}

interface Page {
  next: unknown;
  results: (TagInfo & { tag: string })[];
}

function readPage(reply: Reply, api: URL): Page {
  let json: unknown;
  try {
    json = JSON.parse(reply.body.toString('utf8'));
  } catch {
    throw new TransportError(`${api.host} sent a tag page that is not JSON`, false);
  }
  const { next, results } = (json ?? {}) as { next?: unknown; results?: unknown };
  if (!Array.isArray(results)) throw new TransportError(`${api.host} sent a tag page without "results"`, false);
  return { next, results: results.flatMap(readTag) };
}

function readTag(item: unknown): (TagInfo & { tag: string })[] {
  const { name, last_updated: updated, digest, images } = (item ?? {}) as { name?: unknown; last_updated?: unknown; digest?: unknown; images?: unknown };
  if (typeof name !== 'string') return [];
  const info: TagInfo = { tag: name };
  const time = typeof updated === 'string' && updated.length <= 64 ? Date.parse(updated) : NaN;
  if (!Number.isNaN(time)) info.created = new Date(time);
  if (typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest)) info.digest = digest;
  if (Array.isArray(images)) info.platforms = [...new Set(images.flatMap((image) => normalisePlatform(image) ?? []))].sort();
  return [info as TagInfo & { tag: string }];
}

/** `next` is absolute; it must stay on the API's own origin (invariant 6). */
function nextPage(next: unknown, api: URL): URL | undefined {
  if (next === null || next === undefined || next === '') return undefined;
  if (typeof next !== 'string') throw new TransportError(`${api.host} sent a "next" that is not a URL`, false);
  let url: URL;
  try {
    url = new URL(next, api);
  } catch {
    throw new TransportError(`${api.host} sent a "next" that is not a URL`, false);
  }
  if (url.origin !== api.origin) throw new TransportError(`${api.host} sent a next page on another host (${url.host}); refused`, false);
  return url;
}
