import { canonicalRepository, parseImageRef, repositoryName, type ImageRef } from '../../src/image/index.ts';
import type { PolicyNeeds, TagInfo } from '../../src/policy/index.ts';
import type { Code } from '../../src/problems/index.ts';
import { RegistryError, type ListOptions, type TagList } from '../../src/registry/index.ts';
import type { TagSource } from '../../src/automation/index.ts';

/** One tag as a tags file writes it: a name, or a name with what a registry would tell. */
export type TagEntry = string | { tag: string; created?: string; digest?: string; platforms?: string[] };

/** A repository in a tags file: its tags, or the failure its registry answers with. */
export type RepositoryEntry = TagEntry[] | { error: Code; message: string };

/** `{ "ghcr.io/acme/web": ["1.0.0", …], "ghcr.io/acme/down": { "error": "rate-limited", "message": "…" } }` */
export type TagsFile = Record<string, RepositoryEntry>;

/**
 * The registries as a table, for the cycle's fast tests. Repositories are matched by canonical
 * name, as the real client caches them; every call is recorded. Like the real client it fills
 * only what was asked for (`needs`), so a test that forgets to ask for build times sees none.
 */
export class FakeTagSource implements TagSource {
  readonly calls: { repository: string; needs: PolicyNeeds; digestsFor: readonly string[] }[] = [];
  private readonly repositories = new Map<string, RepositoryEntry>();

  constructor(file: TagsFile) {
    for (const [name, entry] of Object.entries(file)) this.repositories.set(canonicalRepository(parseImageRef(name)), entry);
  }

  async listTags(ref: ImageRef, needs: PolicyNeeds, options: ListOptions = {}): Promise<TagList> {
    const repository = canonicalRepository(ref);
    const digestsFor = options.digestsFor ?? [];
    this.calls.push({ repository, needs, digestsFor });
    const entry = this.repositories.get(repository);
    if (entry === undefined) throw new RegistryError(repositoryName(ref), 'repository not found (404 at fake)', { code: 'repository-not-found' });
    if (!Array.isArray(entry)) throw new RegistryError(repositoryName(ref), entry.message, { code: entry.error });
    return { tags: entry.map((e) => tagInfo(e, needs, digestsFor)), invalid: [], warnings: [], cached: false };
  }
}

function tagInfo(entry: TagEntry, needs: PolicyNeeds, digestsFor: readonly string[]): TagInfo {
  const e = typeof entry === 'string' ? { tag: entry } : entry;
  const info: TagInfo = { tag: e.tag };
  if (needs.created && e.created !== undefined) info.created = new Date(e.created);
  if ((needs.digests || digestsFor.includes(e.tag)) && e.digest !== undefined) info.digest = e.digest;
  if (needs.platforms && e.platforms !== undefined) info.platforms = e.platforms;
  return info;
}
