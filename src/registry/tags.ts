import { createHash } from 'node:crypto';
import { isValidTag } from '../image/index.ts';
import { REGISTRY_CODES, TransportError } from './errors.ts';
import { header, type Reply } from './http.ts';
import { deadline } from './limits.ts';

export interface TagPaging {
  /** `n=` asked for; 0 asks for no page size (the registry's default). */
  pageSize: number;
  /** Tags per repository; a longer list fails (`pagination-limit`), never a silent cut. */
  maxTags: number;
  /** Pages per repository: a registry sending `Link: next` forever fails (`pagination-limit`). */
  maxPages: number;
  /** The whole listing, every page and retry included (`listing-deadline`). */
  timeoutMs: number;
}

export interface FetchedTags {
  /** Valid tags, deduplicated and sorted: the server's order is never trusted. */
  tags: string[];
  /** How many names the registry sent that are not valid tags, and a few of them. */
  invalidCount: number;
  invalidSample: string[];
  /** Kept for a conditional request next time, when the list came in one page. */
  etag?: string;
  /** `If-None-Match` matched, or every page came back as it was (`known`): the caller's copy is still current. */
  notModified: boolean;
  /** A digest of each page's body, in order: what `known` compares the next listing's pages with. */
  pageDigests: string[];
}

/** The caller's copy of the list: its ETag, and its pages' digests. */
export interface KnownList {
  etag?: string;
  pageDigests?: readonly string[];
}

/** Fallback page sizes when a registry refuses ours (Quay allows at most 100). */
const FALLBACK_PAGE_SIZES = [100, 0];
const SAMPLE = 5;
/** Bodies of pages that came back as they were, held unread in case a later page differs (then all are read). */
const HELD_PAGE_BYTES = 4 * 1024 * 1024;

/** GETs one URL with the registry's auth; the caller decides the accept header and limits. */
export type Get = (url: URL, headers: Record<string, string>, signal: AbortSignal) => Promise<Reply>;

/**
 * `/v2/<name>/tags/list`, following `Link: <…>; rel="next"` pages on the same origin only, within
 * `paging`'s bounds on pages, tags and time. `signal` cancels it (the caller's deadline). When
 * every page is byte for byte what the caller's copy was made from (`known`), none is parsed and
 * the answer is `notModified`: a registry without ETags costs the transfer, not the parse.
 */
export async function fetchTags(base: URL, path: string, paging: TagPaging, get: Get, known: KnownList = {}, signal?: AbortSignal): Promise<FetchedTags> {
  const limit = deadline(paging.timeoutMs, () => listingDeadline(base, paging.timeoutMs), signal);
  try {
    return await fetchPages(base, path, paging, (url, headers) => get(url, headers, limit.signal), known);
  } finally {
    limit.clear();
  }
}

/** One page's GET, already bound to the listing's signal. */
type PageGet = (url: URL, headers: Record<string, string>) => Promise<Reply>;

async function fetchPages(base: URL, path: string, paging: TagPaging, get: PageGet, known: KnownList): Promise<FetchedTags> {
  const seen = new Set<string>();
  const invalid: string[] = [];
  let invalidCount = 0;
  const read = (reply: Reply) => {
    for (const tag of readTags(reply)) {
      if (!isValidTag(tag)) {
        invalidCount++;
        if (invalid.length < SAMPLE) invalid.push(tag.slice(0, 140));
        continue;
      }
      if (seen.size >= paging.maxTags && !seen.has(tag)) throw paginationLimit(base, `more than ${paging.maxTags} tags`, 'maxTags', paging.maxTags);
      seen.add(tag);
    }
  };
  const pageDigests: string[] = [];
  /** Pages as they were, not read yet; undefined once one differs (every page is read from then on). */
  let held: Reply[] | undefined = known.pageDigests === undefined ? undefined : [];
  let heldBytes = 0;
  let url: URL | undefined;
  const visited = new Set<string>();
  let reply = await firstReply(base, path, paging.pageSize, get, known.etag);
  if (reply.status === 304) return { tags: [], invalidCount: 0, invalidSample: [], etag: known.etag, notModified: true, pageDigests: [...(known.pageDigests ?? [])] };
  for (;;) {
    visited.add(reply.url.href);
    if (reply.status === 404) throw new TransportError(`repository not found (404 at ${base.host})`, false, 404);
    if (reply.status === 401 || reply.status === 403) throw new TransportError(`${base.host} refused access (${reply.status}): check the credentials configured for it`, false, reply.status);
    if (reply.status !== 200) throw new TransportError(`${base.host} answered ${reply.status} for the tag list`, false, reply.status);
    const digest = createHash('sha256').update(reply.body).digest('base64');
    if (held !== undefined && known.pageDigests?.[pageDigests.length] === digest && heldBytes + reply.body.length <= HELD_PAGE_BYTES) {
      held.push(reply);
      heldBytes += reply.body.length;
    } else {
      for (const page of held ?? []) read(page);
      held = undefined;
      read(reply);
    }
    pageDigests.push(digest);
    url = nextPage(reply, base);
    if (url === undefined) break;
    if (visited.has(url.href)) throw new TransportError(`${base.host} sent a pagination loop`, false);
    if (pageDigests.length >= paging.maxPages) throw paginationLimit(base, `more than ${paging.maxPages} pages of tags`, 'maxPages', paging.maxPages);
    reply = await get(url, {});
  }
  const single = pageDigests.length === 1 ? header(reply, 'etag') : undefined;
  if (held !== undefined && pageDigests.length === known.pageDigests?.length) return { tags: [], invalidCount: 0, invalidSample: [], etag: single, notModified: true, pageDigests };
  for (const page of held ?? []) read(page);
  return { tags: [...seen].sort(), invalidCount, invalidSample: invalid, etag: single, notModified: false, pageDigests };
}

/** A list past a bound is refused whole: the registry's order is not trusted, so its first N tags are no sample. */
function paginationLimit(base: URL, what: string, setting: string, limit: number): TransportError {
  return new TransportError(`${base.host} sent ${what}; raise ${setting} for ${base.host} if that is expected`, false, undefined, { code: REGISTRY_CODES.paginationLimit, data: { host: base.host, setting, limit } });
}

function listingDeadline(base: URL, ms: number): TransportError {
  return new TransportError(`${base.host} did not finish listing tags within ${ms / 1000}s (listTimeout)`, false, undefined, { code: REGISTRY_CODES.listingDeadline, data: { host: base.host, timeoutMs: ms } });
}

function firstPage(base: URL, path: string, pageSize: number): URL {
  const url = new URL(`/v2/${path}/tags/list`, base);
  if (pageSize > 0) url.searchParams.set('n', String(pageSize));
  return url;
}

/** The first page, falling back to smaller page sizes when the registry rejects ours. */
async function firstReply(base: URL, path: string, pageSize: number, get: PageGet, etag: string | undefined): Promise<Reply> {
  const conditional: Record<string, string> = etag === undefined ? {} : { 'if-none-match': etag };
  let reply = await get(firstPage(base, path, pageSize), conditional);
  for (const fallback of FALLBACK_PAGE_SIZES) {
    if (reply.status !== 400 || pageSize === 0) break;
    if (fallback !== 0 && fallback >= pageSize) continue;
    pageSize = fallback;
    reply = await get(firstPage(base, path, pageSize), conditional);
  }
  return reply;
}

function readTags(reply: Reply): string[] {
  let body: unknown;
  try {
    body = JSON.parse(reply.body.toString('utf8'));
  } catch {
    throw new TransportError(`${reply.url.host} sent a tag list that is not JSON`, false);
  }
  if (typeof body !== 'object' || body === null) throw new TransportError(`${reply.url.host} sent a tag list that is not a JSON object`, false);
  const tags = (body as { tags?: unknown }).tags;
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new TransportError(`${reply.url.host} sent "tags" that is not an array of strings`, false);
  return tags;
}

/** The `rel="next"` link, resolved against the page it came from; another origin is refused (invariant 6). */
function nextPage(reply: Reply, base: URL): URL | undefined {
  const link = header(reply, 'link');
  if (link === undefined) return undefined;
  const target = parseNextLink(link);
  if (target === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(target, reply.url);
  } catch {
    throw new TransportError(`${base.host} sent a pagination link that is not a URL`, false);
  }
  if (url.origin !== base.origin) throw new TransportError(`${base.host} sent a pagination link to another host (${url.host}); refused`, false);
  return url;
}

/** `<url>; rel="next"` out of a Link header that may hold several links. */
export function parseNextLink(header: string): string | undefined {
  for (const match of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]*)*)/g)) {
    if (/;\s*rel\s*=\s*"?(?:[^";,]*\s)?next(?:\s[^";,]*)?"?/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
