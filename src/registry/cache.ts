import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TagInfo } from '../policy/index.ts';
import type { ImageMetadata } from './manifests.ts';

/**
 * Registry facts on disk under `<cacheDir>/registry/`: per-digest metadata (immutable, kept for
 * good) and each repository's tag → digest map. Every write goes to a unique temp file and is
 * renamed into place, so a reader sees a whole file or none: safe with two processes and after
 * kill -9. A file that does not parse is treated as missing, so the directory is safe to delete.
 */
export class DiskCache {
  private readonly root: string;
  /** Directories already swept of temp files left by killed processes. */
  private readonly swept = new Set<string>();

  private readonly onDamaged: (file: string, reason: string) => void;

  /** `onDamaged` hears of a file that is there but does not parse (it is then treated as missing). */
  constructor(cacheDir: string, onDamaged: (file: string, reason: string) => void = () => undefined) {
    this.root = join(cacheDir, 'registry');
    this.onDamaged = onDamaged;
  }

  async metadata(digest: string): Promise<ImageMetadata | undefined> {
    const json = await this.read(this.digestFile(digest));
    if (typeof json !== 'object' || json === null) return undefined;
    const { created, platforms } = json as { created?: unknown; platforms?: unknown };
    if (!Array.isArray(platforms) || !platforms.every((p) => typeof p === 'string')) return undefined;
    return typeof created === 'string' ? { created, platforms } : { platforms };
  }

  async saveMetadata(digest: string, metadata: ImageMetadata): Promise<void> {
    await this.write(this.digestFile(digest), metadata);
  }

  /** The tag → digest map last seen for a repository (canonical name). */
  async tagDigests(repository: string): Promise<Map<string, string>> {
    const json = await this.read(this.repoFile(repository));
    const tags = (json as { repository?: unknown; tags?: unknown } | undefined)?.tags;
    if ((json as { repository?: unknown } | undefined)?.repository !== repository || typeof tags !== 'object' || tags === null) return new Map();
    return new Map(Object.entries(tags).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }

  async saveTagDigests(repository: string, tags: ReadonlyMap<string, string>): Promise<void> {
    await this.write(this.repoFile(repository), { repository, tags: Object.fromEntries(tags) });
  }

  /** A signature check that passed, per (signature policy fingerprint, digest): immutable for both. */
  async signatureValid(policyId: string, digest: string): Promise<boolean> {
    const json = (await this.read(this.verdictFile(policyId, digest))) as { digest?: unknown; status?: unknown } | undefined;
    return json?.digest === digest && json.status === 'valid';
  }

  async saveSignatureValid(policyId: string, digest: string): Promise<void> {
    await this.write(this.verdictFile(policyId, digest), { digest, status: 'valid', verifiedAt: new Date().toISOString() });
  }

  private verdictFile(policyId: string, digest: string): string {
    const [algorithm = 'unknown', hex = ''] = digest.split(':');
    return join(this.root, 'signatures', policyId, algorithm, `${hex}.json`);
  }

  private digestFile(digest: string): string {
    const [algorithm = 'unknown', hex = ''] = digest.split(':');
    return join(this.root, 'digests', algorithm, `${hex}.json`);
  }

  private repoFile(repository: string): string {
    return join(this.root, 'repositories', `${createHash('sha256').update(repository).digest('hex')}.json`);
  }

  private async read(file: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined; // missing or half-deleted: fetch again
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      // Damaged (a bad disk, a foreign writer): fetched again and rewritten whole.
      this.onDamaged(file, (error as Error).message);
      return undefined;
    }
  }

  private async write(file: string, value: unknown): Promise<void> {
    const dir = join(file, '..');
    await mkdir(dir, { recursive: true });
    if (!this.swept.has(dir)) {
      this.swept.add(dir);
      await sweepStaleTemps(dir);
    }
    const temp = join(dir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, JSON.stringify(value));
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

/** A temp file this old belongs to a process killed mid-write; a live writer renames within milliseconds. */
const STALE_TEMP_MS = 10 * 60_000;

async function sweepStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - STALE_TEMP_MS;
  for (const name of names) {
    if (!name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < cutoff) await rm(path, { force: true });
  }
}

export interface CachedTagList {
  /** Valid tags, sorted, joined by newlines: one string per repository instead of one per tag keeps a 1,000 × 1,000 fleet in a few MiB. */
  packed: string;
  invalidCount: number;
  invalidSample: string[];
  etag?: string;
  /** A digest of each page the list was read from: the next listing's pages that match are not parsed again. */
  pageDigests: string[];
  fetchedAt: number;
  /**
   * The list as tag objects, while some caller still holds it: every automation listing the image
   * meanwhile gets the same frozen array instead of its own (9,000 tags are some 500 KiB as
   * objects, and ten automations on one image would hold ten copies). Weak, so the cache itself
   * keeps only the packed string.
   */
  unpacked?: WeakRef<readonly TagInfo[]>;
}

/**
 * Tag lists in memory per (canonical repository, credential): another credential may see
 * other tags. Fresh within the TTL; after it, a conditional request revalidates when the
 * registry gave an ETag.
 */
export class TagListCache {
  private readonly entries = new Map<string, CachedTagList>();
  private readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  get(repository: string, credential: string): { entry: CachedTagList; fresh: boolean } | undefined {
    const entry = this.entries.get(key(repository, credential));
    if (entry === undefined) return undefined;
    return { entry, fresh: Date.now() - entry.fetchedAt < this.ttlMs };
  }

  set(repository: string, credential: string, entry: CachedTagList): void {
    this.entries.set(key(repository, credential), entry);
  }
}

export function unpackTags(entry: CachedTagList): string[] {
  return entry.packed === '' ? [] : entry.packed.split('\n');
}

/** The entry's tags as frozen tag objects, shared by every caller while any of them holds the array. */
export function sharedTags(entry: CachedTagList): readonly TagInfo[] {
  const known = entry.unpacked?.deref();
  if (known !== undefined) return known;
  const tags = Object.freeze(unpackTags(entry).map((tag) => Object.freeze({ tag })));
  entry.unpacked = new WeakRef(tags);
  return tags;
}

function key(repository: string, credential: string): string {
  return `${repository}\0${credential}`;
}
