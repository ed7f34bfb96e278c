import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepo } from '../../src/git/repo.ts';
import { MAX_OPEN_PACKS } from '../../src/git/pack-files.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { createBareRepo, humanCommit } from '../harness/git-repos.ts';
import { cacheDirs } from './fixtures.ts';

/**
 * A clone gathers a pack per fetch that brings something, and a cycle may read from any of them;
 * the descriptors held open on them stay bounded (MAX_OPEN_PACKS) however many packs there are,
 * and none stays open on a pack the clone no longer has.
 */
let server: GitServer;
const caches = cacheDirs();
let counter = 0;
/** More than MAX_OPEN_PACKS: as many packs as files, each file's newest version in its own. */
const FILES = 12;

before(async () => {
  server = await startGitServer();
});
after(async () => {
  await server.stop();
  caches.cleanup();
});

const image = (i: number, round: number) => `image: reg.local/svc-${i}:1.${round}.0\n`;

function fleet(): { bare: string; url: string } {
  const name = `fleet-${++counter}`;
  const bare = createBareRepo(server.root, name, Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`apps/svc-${i}.yaml`, image(i, 0)])));
  return { bare, url: server.repoUrl(name) };
}

/** This process's descriptors on pack files under `cache` (`… (deleted)` once the file is gone). */
function packDescriptors(cache: string): string[] {
  const targets = readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return ''; // closed since the folder was read
    }
  });
  return targets.filter((t) => t.startsWith(cache) && /\.pack( \(deleted\))?$/.test(t));
}

const packsIn = (cache: string) => readdirSync(join(cache, 'git', readdirSync(join(cache, 'git'))[0]!, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.idx')).length;

/**
 * `rounds` fetches, each bringing a commit that changes a different file (so each file's newest
 * version is in its own pack), and after each a read of every file, checked against what was
 * pushed; returns the most pack descriptors open at once and whether one was ever on a deleted pack.
 */
async function fetchAndReadAll(repo: GitRepo, bare: string, cache: string, rounds: number): Promise<{ most: number; deleted: boolean }> {
  const expected = Array.from({ length: FILES }, (_, i) => image(i, 0));
  let most = 0;
  let deleted = false;
  for (let round = 1; round <= rounds; round++) {
    const i = (round - 1) % FILES;
    expected[i] = image(i, round);
    humanCommit(bare, { [`apps/svc-${i}.yaml`]: expected[i]! }, `svc-${i} 1.${round}.0`);
    const head = await repo.sync();
    const { files } = await repo.listFiles(head, ['apps'], () => true);
    for (const file of files) {
      const text = new TextDecoder().decode(await repo.readBlob(file, 1 << 20));
      assert.equal(text, expected[Number(/svc-(\d+)/.exec(file.path)![1])], `${file.path} after fetch ${round}`);
      const open = packDescriptors(cache);
      most = Math.max(most, open.length);
      deleted ||= open.some((t) => t.endsWith(' (deleted)'));
    }
  }
  return { most, deleted };
}

test(`reading every file of a clone of ${FILES} packs (one per fetch) holds at most MAX_OPEN_PACKS (${MAX_OPEN_PACKS}) of them open, and none after close`, async () => {
  const { bare, url } = fleet();
  const cache = caches.make();
  const repo = GitRepo.forRemote(cache, { url, branch: 'main' });
  const { most } = await fetchAndReadAll(repo, bare, cache, FILES);
  assert.equal(packsIn(cache), FILES, 'the clone and one pack per later fetch');
  assert.equal(most, MAX_OPEN_PACKS, 'the reads reach the bound and stop there');
  await repo.close();
  assert.deepEqual(packDescriptors(cache), []);
});

test('a clone dropped for its number of packs leaves no descriptor on its deleted packs', async () => {
  const { bare, url } = fleet();
  const cache = caches.make();
  const repo = GitRepo.forRemote(cache, { url, branch: 'main' }, { maxPacks: 3 });
  const { most, deleted } = await fetchAndReadAll(repo, bare, cache, 8);
  assert.ok(packsIn(cache) <= 4, `${packsIn(cache)} packs: the clone was dropped and cloned afresh`);
  assert.ok(most <= MAX_OPEN_PACKS, `${most} packs open at once`);
  assert.equal(deleted, false);
  await repo.close();
});
