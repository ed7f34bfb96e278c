import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { canonicalRepository, DOCKER_HUB, isValidDigest, repositoryName, type ImageRef } from '../image/index.ts';
import type { PolicyNeeds, TagInfo } from '../policy/index.ts';
import { TagpilotError } from '../problems/index.ts';
import { Authenticator, type AuthTarget } from './auth.ts';
import { CloudCredentials, type CloudContext, type CloudCredentialsOptions } from './cloud/index.ts';
import { DiskCache, sharedTags, TagListCache, unpackTags, type CachedTagList } from './cache.ts';
import { CredentialError, Credentials, type DockerConfig } from './credentials.ts';
import { endpointFor, settingsFor, type Endpoint, type RegistrySettings } from './endpoint.ts';
import { RegistryError, TransportError } from './errors.ts';
import { header, Http, type Reply } from './http.ts';
import { fetchMetadata, MANIFEST_ACCEPT, sha256Digest, verifyDigest, type ImageMetadata } from './manifests.ts';
import { fetchTags, type TagPaging } from './tags.ts';
import { HUB_API, HubBudget, listHubTags } from './hub.ts';
import { SingleFlight } from './single-flight.ts';
import type { RegistryObserver } from './observer.ts';

export interface RegistryClientOptions {
  registries?: readonly RegistrySettings[];
  /** A parsed Docker `config.json` (dockerconfigjson): `auths`, `credHelpers`, `credsStore`. */
  dockerConfig?: DockerConfig;
  /** Per-digest metadata is kept under `<cacheDir>/registry`; without it, only in memory. */
  cacheDir?: string;
  /** Told of a cache file that is there but cannot be read (it is fetched again and rewritten). */
  onCacheDamaged?: (file: string, reason: string) => void;
  /** Extra CA certificates (PEM) trusted besides the system's, for registries with a private CA. */
  ca?: readonly string[];
  /** Connect timeout. */
  connectTimeoutMs?: number;
  /** Time to the response headers, and the longest silence inside a body. */
  timeoutMs?: number;
  /** The whole exchange, body included. */
  totalTimeoutMs?: number;
  /** The largest response body read; a larger one is an error, not a memory blow-up. */
  maxBodyBytes?: number;
  retries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A 429 asking to wait longer than this fails the repository now instead of stalling the cycle. */
  maxRetryAfterMs?: number;
  /** A tag list younger than this is reused without asking the registry. */
  tagCacheTtlMs?: number;
  /** How long a credential helper's answer is reused. */
  helperTtlMs?: number;
  /** Environment for credential helpers (their PATH). */
  env?: NodeJS.ProcessEnv;
  /** Cloud token flows: the clock renewal is judged by, and (in tests) the providers. */
  cloud?: Omit<CloudCredentialsOptions, 'context'>;
  dispatcher?: Dispatcher;
  /** Told of every request, wait and listing: metrics and the status page. */
  observer?: RegistryObserver;
}

export interface ListOptions {
  /** Tags whose digest must be current (a `digest:` policy following a mutable tag): asked every time. */
  digestsFor?: readonly string[];
  /**
   * Ask the registry even when the cached list is fresh (it is revalidated with its ETag if it has
   * one), and do not join a listing already in flight: it may have started before what the caller
   * knows of (a webhook's push).
   */
  fresh?: boolean;
  /** Cancels the listing: requests in flight are aborted, queued ones dropped, and the signal's reason is thrown. */
  signal?: AbortSignal;
  /**
   * A workload's own pull secrets (its imagePullSecrets and its ServiceAccount's, merged): their
   * `auths` entry for this registry is used for this listing instead of the configured
   * credential. Only `auths` is read: a helper named in a cluster Secret is never run.
   */
  pullSecrets?: Pick<DockerConfig, 'auths'>;
}

export interface TagList {
  /** Frozen and shared with other callers when nothing was asked beyond the names: never changed in place. */
  tags: readonly TagInfo[];
  /** A few of the names the registry returned that are not valid OCI tags; dropped before any use. */
  invalid: string[];
  /** What the caller should report: invalid names dropped, metadata missing. */
  warnings: string[];
  /** Served from the tag-list cache without asking the registry (within its TTL). */
  cached: boolean;
}

export const NO_NEEDS: PolicyNeeds = Object.freeze({ created: false, digests: false, platforms: false });

// No request rate by default: concurrency bounds the load; set requestsPerSecond for registries that throttle.
const DEFAULTS = { pageSize: 1000, maxTags: 10_000, maxPages: 1000, listTimeoutMs: 30_000, concurrency: 8, requestsPerSecond: 0 };
const MANIFEST_LIMIT = 4 * 1024 * 1024;
/** Tags whose metadata is looked up at once per repository; the host gate still limits requests. */
const METADATA_WORKERS = 8;
/** Digests whose metadata is also kept in memory (the disk keeps them all). */
const MEMORY_METADATA_LIMIT = 20_000;

/** The Distribution API over undici: auth, pagination, caches and limits. One instance per process. */
export class RegistryClient {
  private readonly registries: readonly RegistrySettings[];
  private readonly maxBodyBytes: number;
  private readonly http: Http;
  private readonly credentials: Credentials;
  private readonly cloud: CloudCredentials;
  private readonly auth: Authenticator;
  private readonly tagLists: TagListCache;
  private readonly disk: DiskCache | undefined;
  private readonly memoryMetadata = new Map<string, Promise<ImageMetadata>>();
  private readonly memoryTagDigests = new Map<string, Map<string, string>>();
  private readonly ownDispatcher: Agent | undefined = undefined;
  private readonly hubBudget = new HubBudget();
  /** Tag listings in progress by (repository, credential): asked at once, listed once. */
  private readonly listings = new SingleFlight<CachedTagList>();
  private readonly observer: RegistryObserver;

  constructor(options: RegistryClientOptions = {}) {
    this.registries = options.registries ?? [];
    this.observer = options.observer ?? {};
    this.maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    const timeoutMs = options.timeoutMs ?? 15_000;
    // Our own agent only when none is given; the connect timeout and extra CAs live there.
    const ca = options.ca?.length ? { ca: [...rootCertificates, ...options.ca] } : {};
    const dispatcher = options.dispatcher ?? (this.ownDispatcher = new Agent({ connect: { timeout: options.connectTimeoutMs ?? 10_000, ...ca } }));
    this.http = new Http({
      dispatcher,
      timeoutMs,
      totalTimeoutMs: options.totalTimeoutMs ?? 4 * timeoutMs,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      limitsFor: (host) => {
        const settings = settingsFor(host, this.registries);
        return { concurrency: settings?.concurrency ?? DEFAULTS.concurrency, requestsPerSecond: settings?.requestsPerSecond ?? DEFAULTS.requestsPerSecond };
      },
      allowsHttp: (host) => settingsFor(host, this.registries)?.insecure === true,
      observer: this.observer,
    });
    const sources = new Map(this.registries.flatMap((r) => (r.credentials === undefined ? [] : [[endpointFor({ host: r.host, path: 'x' }, []).host, r.credentials] as const])));
    this.cloud = new CloudCredentials({ ...options.cloud, context: (host) => this.cloudContext(host) });
    this.credentials = new Credentials({ sources, dockerConfig: options.dockerConfig, helperTtlMs: options.helperTtlMs, env: options.env, cloud: this.cloud });
    this.auth = new Authenticator(this.http, this.credentials);
    this.tagLists = new TagListCache(options.tagCacheTtlMs ?? 60_000);
    this.disk = options.cacheDir === undefined ? undefined : new DiskCache(options.cacheDir, options.onCacheDamaged);
  }

  /** The repository's tags; build time, digest and platforms only when `needs` asks for them. */
  async listTags(ref: ImageRef, needs: PolicyNeeds = NO_NEEDS, options: ListOptions = {}): Promise<TagList> {
    const subject = repositoryName(ref);
    try {
      const configured = endpointFor(ref, this.registries);
      const own = options.pullSecrets === undefined ? undefined : await new Credentials({ dockerConfig: { auths: options.pullSecrets.auths } }).get(configured.host);
      const endpoint = own === undefined ? configured : { ...configured, credential: own };
      const hub = await this.fromHub(endpoint, needs, options);
      if (hub !== undefined) return hub;
      const credential = own ?? (await this.credentials.get(endpoint.host));
      const { entry: list, cached } = await this.tagList(endpoint, canonicalRepository(ref), credential?.id ?? 'anonymous', options);
      const warnings = listWarnings(list);
      const cloudNote = this.cloud.note(endpoint.host);
      if (cloudNote !== undefined) warnings.push(cloudNote);
      const fresh = new Set(options.digestsFor ?? []);
      // Enriched tags are the caller's own (the digests and build times are set on them); bare ones are shared.
      const enriched = needs.created || needs.platforms || needs.digests || fresh.size > 0;
      const tags = enriched
        ? await this.enrich(
            endpoint,
            canonicalRepository(ref),
            unpackTags(list).map((tag) => ({ tag })),
            { needs, fresh, signal: options.signal },
            warnings,
          )
        : sharedTags(list);
      return { tags, invalid: list.invalidSample, warnings, cached };
    } catch (error) {
      throw asRegistryError(subject, error);
    }
  }

  /** The digest a tag points to now (HEAD, never cached): for following a mutable tag. */
  async resolveDigest(ref: ImageRef, tag: string, signal?: AbortSignal): Promise<string | undefined> {
    const subject = repositoryName(ref);
    try {
      return await this.headDigest(endpointFor(ref, this.registries), tag, signal);
    } catch (error) {
      throw asRegistryError(subject, error);
    }
  }

  /** A manifest by tag or digest, for readers beyond tags (cosign signatures); undefined when the registry has none. */
  async manifest(ref: ImageRef, reference: string, maxBytes = MANIFEST_LIMIT): Promise<{ body: Buffer; contentType?: string } | undefined> {
    const endpoint = endpointFor(ref, this.registries);
    const url = new URL(`/v2/${endpoint.path}/manifests/${encodeURIComponent(reference)}`, endpoint.base);
    try {
      const reply = await this.auth.send(this.target(endpoint), { method: 'GET', url, headers: { accept: MANIFEST_ACCEPT }, maxBytes, kind: 'manifest' });
      if (reply.status === 404) return undefined;
      if (reply.status !== 200) throw new TransportError(`${endpoint.base.host} answered ${reply.status} for manifest ${reference}`, false, reply.status);
      return { body: reply.body, contentType: header(reply, 'content-type') };
    } catch (error) {
      throw asRegistryError(repositoryName(ref), error);
    }
  }

  /** A blob by digest, checked against it. */
  async blob(ref: ImageRef, digest: string, maxBytes: number): Promise<Buffer> {
    const endpoint = endpointFor(ref, this.registries);
    try {
      const body = (await this.getContent(endpoint, new URL(`/v2/${endpoint.path}/blobs/${digest}`, endpoint.base), 'blob', maxBytes, undefined)).body;
      verifyDigest(body, digest, `blob ${digest}`);
      return body;
    } catch (error) {
      throw asRegistryError(repositoryName(ref), error);
    }
  }

  /** HTTP requests made so far, in total and by kind (`tags`, `manifest`, `blob`, `token`). */
  stats(): { requests: number; byKind: Record<string, number> } {
    const byKind = Object.fromEntries(this.http.counts);
    return { requests: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
  }

  async close(): Promise<void> {
    await this.cloud.close();
    await this.ownDispatcher?.close();
  }

  /**
   * The repository's list: from the cache within its TTL, else fetched, with every caller asking
   * for it meanwhile sharing that one fetch (an image used by twenty automations is listed once).
   */
  private async tagList(endpoint: Endpoint, repository: string, credentialId: string, options: ListOptions): Promise<{ entry: CachedTagList; cached: boolean }> {
    const cached = this.tagLists.get(repository, credentialId);
    if (cached?.fresh === true && options.fresh !== true) {
      this.observer.listed?.(endpoint.host, 'cache');
      return { entry: cached.entry, cached: true };
    }
    const key = `${repository}\0${credentialId}`;
    const { value, shared } = await this.listings.run(key, (signal) => this.fetchList(endpoint, repository, credentialId, signal), { signal: options.signal, fresh: options.fresh });
    this.observer.listed?.(endpoint.host, shared ? 'shared' : 'network');
    return { entry: value, cached: false };
  }

  private async fetchList(endpoint: Endpoint, repository: string, credentialId: string, signal: AbortSignal): Promise<CachedTagList> {
    const cached = this.tagLists.get(repository, credentialId);
    const target = this.target(endpoint);
    const fetched = await fetchTags(endpoint.base, endpoint.path, paging(endpoint.settings), (url, headers, signal) => this.auth.send(target, { method: 'GET', url, headers: { accept: 'application/json', ...headers }, maxBytes: this.maxBodyBytes, kind: 'tags', signal }), cached?.entry, signal);
    const { tags, notModified: _, ...rest } = fetched;
    // Unchanged, the entry keeps its packed list and the tag objects callers share.
    const entry: CachedTagList = fetched.notModified && cached !== undefined ? { ...cached.entry, ...(fetched.etag === undefined ? {} : { etag: fetched.etag }), pageDigests: fetched.pageDigests, fetchedAt: Date.now() } : { ...rest, packed: tags.join('\n'), fetchedAt: Date.now() };
    this.tagLists.set(repository, credentialId, entry);
    return entry;
  }

  private async enrich(endpoint: Endpoint, repository: string, tags: TagInfo[], wanted: Enrichment, warnings: string[]): Promise<TagInfo[]> {
    const { needs, fresh, signal } = wanted;
    const known = await this.tagDigests(repository);
    const current = new Map<string, string>();
    const wantsMetadata = needs.created || needs.platforms;
    const failures: string[] = [];
    const queue = [...tags];
    const worker = async () => {
      for (let info = queue.shift(); info !== undefined && signal?.aborted !== true; info = queue.shift()) {
        try {
          // Tags are taken as immutable for their metadata: one HEAD per new tag, not per tag per cycle.
          let digest = fresh.has(info.tag) ? undefined : known.get(info.tag);
          digest ??= await this.headDigest(endpoint, info.tag, signal);
          if (digest === undefined) continue; // deleted since the list was fetched
          current.set(info.tag, digest);
          if (needs.digests || fresh.has(info.tag)) info.digest = digest;
          if (!wantsMetadata) continue;
          const metadata = await this.metadata(endpoint, digest, signal);
          if (needs.created && metadata.created !== undefined) info.created = new Date(metadata.created);
          if (needs.platforms) info.platforms = metadata.platforms;
        } catch (error) {
          failures.push(`${info.tag}: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: METADATA_WORKERS }, worker));
    if (signal?.aborted === true) {
      // Keep what was learnt, so the next cycle goes on from here instead of starting over.
      await this.saveTagDigests(repository, new Map([...known, ...current]));
      signal.throwIfAborted();
    }
    if (failures.length > 0) warnings.push(`metadata unavailable for ${failures.length} tag(s), e.g. ${failures[0]}`);
    if (!sameEntries(known, current)) await this.saveTagDigests(repository, current);
    return tags;
  }

  private async headDigest(endpoint: Endpoint, tag: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const url = new URL(`/v2/${endpoint.path}/manifests/${encodeURIComponent(tag)}`, endpoint.base);
    const head = await this.auth.send(this.target(endpoint), { method: 'HEAD', url, headers: { accept: MANIFEST_ACCEPT }, maxBytes: 0, kind: 'manifest', signal });
    if (head.status === 404) return undefined;
    const digest = header(head, 'docker-content-digest');
    if (head.status === 200 && digest !== undefined && isValidDigest(digest)) return digest;
    // Some registries omit the digest on HEAD: GET the manifest and hash it ourselves.
    const get = await this.getContent(endpoint, url, 'manifest', MANIFEST_LIMIT, signal);
    const computed = sha256Digest(get.body);
    const claimed = header(get, 'docker-content-digest');
    if (claimed !== undefined && claimed !== computed) throw new TransportError(`manifest for tag ${tag} does not match its Docker-Content-Digest`, false);
    return computed;
  }

  private metadata(endpoint: Endpoint, digest: string, signal: AbortSignal | undefined): Promise<ImageMetadata> {
    let pending = this.memoryMetadata.get(digest);
    if (pending !== undefined) return pending;
    pending = (async () => {
      const stored = await this.disk?.metadata(digest);
      if (stored !== undefined) return stored;
      const metadata = await fetchMetadata(digest, {
        manifest: async (d) => {
          const reply = await this.getContent(endpoint, new URL(`/v2/${endpoint.path}/manifests/${d}`, endpoint.base), 'manifest', MANIFEST_LIMIT, signal);
          return { body: reply.body, contentType: header(reply, 'content-type') };
        },
        blob: async (d) => (await this.getContent(endpoint, new URL(`/v2/${endpoint.path}/blobs/${d}`, endpoint.base), 'blob', Math.min(this.maxBodyBytes, MANIFEST_LIMIT), signal)).body,
      });
      await this.disk?.saveMetadata(digest, metadata);
      return metadata;
    })();
    // Immutable, so any entry may go: a bound keeps a long-running process from growing without end.
    if (this.memoryMetadata.size >= MEMORY_METADATA_LIMIT) this.memoryMetadata.clear();
    this.memoryMetadata.set(digest, pending);
    pending.catch(() => this.memoryMetadata.delete(digest)); // retried next cycle
    return pending;
  }

  private async getContent(endpoint: Endpoint, url: URL, kind: 'manifest' | 'blob', maxBytes: number, signal: AbortSignal | undefined): Promise<Reply> {
    // Blobs are checked against their digest, so a redirect to storage on another host is followed (without credentials).
    const reply = await this.auth.send(this.target(endpoint), { method: 'GET', url, headers: { accept: kind === 'manifest' ? MANIFEST_ACCEPT : '*/*' }, maxBytes, kind, verifiedByDigest: kind === 'blob', signal });
    if (reply.status !== 200) throw new TransportError(`${endpoint.base.host} answered ${reply.status} for ${kind} ${decodeURIComponent(url.pathname.split('/').pop() ?? '')}`, false, reply.status);
    return reply;
  }

  private async tagDigests(repository: string): Promise<Map<string, string>> {
    return this.disk === undefined ? new Map(this.memoryTagDigests.get(repository)) : this.disk.tagDigests(repository);
  }

  private async saveTagDigests(repository: string, tags: Map<string, string>): Promise<void> {
    if (this.disk === undefined) this.memoryTagDigests.set(repository, tags);
    else await this.disk.saveTagDigests(repository, tags);
  }

  /**
   * Docker Hub's API, when it saves requests: a policy needing build times, digests or platforms
   * gets them 100 tags a page instead of per-tag manifest requests. Undefined: ask Distribution.
   */
  private async fromHub(endpoint: Endpoint, needs: PolicyNeeds, options: ListOptions): Promise<TagList | undefined> {
    const configured = endpoint.settings?.hubApi;
    const api = configured ?? (endpoint.host === DOCKER_HUB ? HUB_API : false);
    if (api === false || !(needs.created || needs.platforms || needs.digests) || (options.digestsFor?.length ?? 0) > 0) return undefined;
    const listed = await listHubTags(new URL(api), endpoint.path, paging(endpoint.settings), (exchange) => this.http.send(exchange), this.hubBudget, options.signal);
    if (listed === undefined) return undefined;
    const warnings: string[] = [];
    if (listed.invalid.length > 0) warnings.push(`dropped name(s) that are not valid tags, e.g. ${JSON.stringify(listed.invalid[0])}`);
    return { tags: listed.tags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)), invalid: listed.invalid, warnings, cached: false };
  }

  /** Cloud flows that talk to the registry itself (ACR's token exchange) go through our HTTP, to its origin only. */
  private cloudContext(host: string): CloudContext {
    const origin = endpointFor({ host, path: 'x' }, this.registries).base;
    return {
      origin,
      post: async (url, form) => {
        if (url.origin !== origin.origin) throw new TransportError(`refusing to send a cloud token to ${url.host}, not the registry ${origin.host}`, false);
        const reply = await this.http.send({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString(), maxBytes: 1024 * 1024, kind: 'token' });
        return { status: reply.status, body: reply.body };
      },
    };
  }

  private target(endpoint: Endpoint): AuthTarget {
    return { origin: endpoint.base.origin, host: endpoint.host, scope: `repository:${endpoint.path}:pull`, credential: endpoint.credential };
  }
}

interface Enrichment {
  needs: PolicyNeeds;
  /** Tags whose digest is asked for again, not taken from the cache. */
  fresh: ReadonlySet<string>;
  signal: AbortSignal | undefined;
}

function paging(settings: RegistrySettings | undefined): TagPaging {
  return {
    pageSize: settings?.pageSize ?? DEFAULTS.pageSize,
    maxTags: settings?.maxTags ?? DEFAULTS.maxTags,
    maxPages: settings?.maxPages ?? DEFAULTS.maxPages,
    timeoutMs: settings?.listTimeoutMs ?? DEFAULTS.listTimeoutMs,
  };
}

function listWarnings(list: CachedTagList): string[] {
  const warnings: string[] = [];
  if (list.invalidCount > 0) warnings.push(`dropped ${list.invalidCount} name(s) that are not valid tags, e.g. ${JSON.stringify(list.invalidSample[0])}`);
  return warnings;
}

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

/** Pins a failure on the repository; only messages we wrote ourselves (no headers, no secrets) pass. */
function asRegistryError(subject: string, error: unknown): RegistryError {
  if (error instanceof RegistryError) return error;
  if (error instanceof TransportError) return new RegistryError(subject, error.message, { code: error.code, data: { ...error.data } });
  if (error instanceof CredentialError) return new RegistryError(subject, error.message, { code: error.code });
  // Cloud auth and signature failures: their messages are ours too, and their codes are kept.
  if (error instanceof TagpilotError) return new RegistryError(subject, error.message, { code: error.code, data: { ...error.data } });
  // Anything else is our bug; its name and code help without quoting a message that could hold request details.
  const { name, code } = error as { name?: string; code?: string };
  return new RegistryError(subject, `registry client failed: ${name ?? 'error'}${code === undefined ? '' : ` (${code})`}`, { code: 'internal' });
}
