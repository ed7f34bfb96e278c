/**
 * Invariant 9 under concurrency: for any interleaving of writers (each with its own tag-list
 * cache), tag arrivals and deletions, cache expiries and a human editing the slot, no commit of a writer moves a
 * slot to a tag older than its current one. The real cycle (plan, edit, commit, push, retry on a
 * lost race) runs against an in-memory branch with compare-and-swap pushes and an in-memory
 * registry; fast-check's scheduler picks the order of every await that crosses a boundary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pino from 'pino';
import { runCycle, type CycleDeps } from '../../src/automation/cycle.ts';
import { PushRejected } from '../../src/git/remote.ts';
import type { RepositorySession } from '../../src/automation/index.ts';
import type { ListOptions, TagList } from '../../src/registry/client.ts';
import type { ImageRef } from '../../src/image/ref.ts';
import type { PolicyNeeds } from '../../src/policy/types.ts';
import { automated } from '../harness/manifests.ts';

const FILE = 'apps/fleet.yaml';
/** Each repository's tags arrive in rank order: a later tag is newer under its slot's policy. */
const REPOS = {
  'team/build': { policy: 'glob:build-*', tag: (n: number) => `build-${String(n).padStart(4, '0')}` },
  'team/num': { policy: 'numerical', tag: (n: number) => String(n) },
} as const;
type Repo = keyof typeof REPOS;
const REPO_NAMES = Object.keys(REPOS) as Repo[];

interface Commit {
  id: string;
  parent?: string;
  text: string;
  by: string;
}

/** The registry and the branch everyone writes to. */
class World {
  /** Every tag ever pushed, in arrival (and rank) order. */
  readonly tags: Record<Repo, string[]> = { 'team/build': [REPOS['team/build'].tag(1)], 'team/num': [REPOS['team/num'].tag(1)] };
  /** Tags deleted from the registry since (a bad build pulled, a retention policy). */
  readonly deleted = new Set<string>();
  readonly commits = new Map<string, Commit>();
  head: string;
  private next = 0;

  constructor() {
    const text = REPO_NAMES.map((repo) => automated(repo.split('/')[1]!, `reg.example/${repo}:${this.tags[repo][0]}`, REPOS[repo].policy)).join('---\n');
    this.head = this.add(undefined, text, 'seed');
  }

  add(parent: string | undefined, text: string, by: string): string {
    const id = `c${++this.next}`;
    this.commits.set(id, { id, parent, text, by });
    return id;
  }

  /** Build time from the arrival order: tag n was built n minutes after the epoch. */
  created(repo: Repo, tag: string): Date {
    return new Date(this.tags[repo].indexOf(tag) * 60_000);
  }

  arrive(repo: Repo): void {
    this.tags[repo].push(REPOS[repo].tag(this.tags[repo].length + 1));
  }

  listed(repo: Repo): string[] {
    return this.tags[repo].filter((tag) => !this.deleted.has(`${repo}:${tag}`));
  }

  /** Deletes one tag, never the last one listed. */
  remove(repo: Repo, pick: number): void {
    const listed = this.listed(repo);
    if (listed.length > 1) this.deleted.add(`${repo}:${listed[pick % listed.length]}`);
  }

  /** A person sets the slot to any tag the registry has (a rollback included). */
  humanSets(repo: Repo, pick: number): void {
    const tags = this.tags[repo];
    const text = this.commits.get(this.head)!.text.replace(new RegExp(`(reg\\.example/${repo}:)\\S+`), `$1${tags[pick % tags.length]}`);
    this.head = this.add(this.head, text, 'human');
  }
}

/** What `runCycle` calls on the clone. */
interface CyclePorts {
  repo: RepositorySession;
}

/** One writer: its own clone of the branch and its own tag-list cache. */
function writer(world: World, s: fc.Scheduler, name: string): { deps: CycleDeps; expireCache(): void } {
  const cache = new Map<string, string[]>();
  const pending = new Map<string, Commit>();
  const boundary = <T>(value: T, label: string) => s.schedule(Promise.resolve(value), `${name} ${label}`);
  const registry = {
    async listTags(ref: ImageRef, _needs: PolicyNeeds, options: ListOptions): Promise<TagList> {
      await boundary(undefined, `lists ${ref.path}`);
      const repo = ref.path as Repo;
      const cached = options.fresh !== true && cache.has(repo);
      if (!cached) cache.set(repo, world.listed(repo));
      const tags = cache.get(repo)!.map((tag) => ({ tag, created: world.created(repo, tag) }));
      return { tags, invalid: [], warnings: [], cached };
    },
  };
  const repo: CyclePorts['repo'] = {
    description: `memory://${name}`,
    fetch: () => boundary(new Map([['main', world.head]]), 'fetches'),
    // The file's blob id is the commit's here: each commit holds one version of the one file.
    listFiles: async (commit) => ({ files: [{ path: FILE, oid: commit, size: Buffer.byteLength(world.commits.get(commit)!.text) }], unmatched: [] }),
    readBlob: async (file) => new TextEncoder().encode(world.commits.get(file.oid)!.text),
    // The revert rule's history is not what this test is about: none.
    firstParents: async () => [],
    async commit(parent, changes) {
      const id = `${name}-${pending.size + 1}`;
      pending.set(id, { id, parent, text: new TextDecoder().decode(changes.get(FILE)), by: name });
      return id;
    },
    async push(commit, target) {
      await boundary(undefined, 'pushes');
      const ours = pending.get(commit)!;
      if (world.head !== target.expected) throw new PushRejected('the branch moved', true);
      world.head = world.add(ours.parent, ours.text, ours.by);
      return { confirmedBy: 'report' as const };
    },
    readCommitInfo: async (oid) => ({ parents: [world.commits.get(oid)!.parent ?? ''], committerEmail: '', message: '' }),
  };
  // The cycle's ports, as fakes.
  const deps = { repo, tags: registry, branch: 'main', paths: ['apps'], author: { name, email: `${name}@example.com` }, log: pino({ level: 'silent' }), sleep: () => boundary(undefined, 'waits') } as unknown as CycleDeps;
  return { deps, expireCache: () => cache.clear() };
}

const event = fc.oneof(
  fc.record({ kind: fc.constant('tag' as const), repo: fc.constantFrom(...REPO_NAMES) }),
  fc.record({ kind: fc.constant('human' as const), repo: fc.constantFrom(...REPO_NAMES), pick: fc.nat() }),
  fc.record({ kind: fc.constant('expire' as const), writer: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), repo: fc.constantFrom(...REPO_NAMES), pick: fc.nat() }),
);

function slotTag(text: string, repo: Repo): string {
  return new RegExp(`reg\\.example/${repo}:(\\S+)`).exec(text)![1]!;
}

/** Every writer commit, slot by slot: the new tag ranks at or above the one it replaced. */
function downgrades(world: World): string[] {
  const found: string[] = [];
  for (const commit of world.commits.values()) {
    if (commit.parent === undefined || commit.by === 'human') continue;
    const before = world.commits.get(commit.parent)!.text;
    for (const repo of REPO_NAMES) {
      const [from, to] = [slotTag(before, repo), slotTag(commit.text, repo)];
      if (world.tags[repo].indexOf(to) < world.tags[repo].indexOf(from)) found.push(`${commit.by} moved ${repo} ${from} → ${to}`);
    }
  }
  return found;
}

test('no commit ever moves a slot to an older tag, for any interleaving of writers, tag arrivals and deletions, and a human', async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.array(event, { maxLength: 12 }), async (s, count, cycles, events) => {
      const world = new World();
      const writers = Array.from({ length: count }, (_, i) => writer(world, s, `bot-${i + 1}`));
      const loops = writers.map(async ({ deps }) => {
        for (let c = 0; c < cycles; c++) await runCycle({ ...deps, maxAttempts: 3 }).catch((error: unknown) => assert.ok(error instanceof PushRejected, String(error)));
      });
      const happenings = events.map((e) =>
        s.schedule(Promise.resolve(), e.kind).then(() => {
          if (e.kind === 'tag') world.arrive(e.repo);
          else if (e.kind === 'human') world.humanSets(e.repo, e.pick);
          else if (e.kind === 'delete') world.remove(e.repo, e.pick);
          else writers[e.writer % writers.length]!.expireCache();
        }),
      );
      await s.waitFor(Promise.all([...loops, ...happenings]));
      assert.deepEqual(downgrades(world), []);
    }),
    { numRuns: 150 },
  );
});
