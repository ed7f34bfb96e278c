import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepo } from '../../src/git/repo.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { cacheDirs, head } from './fixtures.ts';

/**
 * The clone is only a cache (invariant 1): whatever a killed process or a bad disk left in it,
 * the next cycle drops it, clones again and goes on, and says so (the heal is in the logs).
 */
let server: GitServer;
const caches = cacheDirs();
let counter = 0;

before(async () => {
  server = await startGitServer();
});
after(async () => {
  await server.stop();
  caches.cleanup();
});

function fleet(): { bare: string; url: string } {
  const name = `fleet-${++counter}`;
  const bare = createBareRepo(server.root, name, { 'apps/web.yaml': 'image: web:1.0.0\n', 'apps/api.yaml': 'image: api:1.0.0\n' });
  return { bare, url: server.repoUrl(name) };
}

/** A repository object on `cache` as a restarted process makes it, recording the heals it reports. */
function open(cache: string, url: string): { repo: GitRepo; heals: string[] } {
  const heals: string[] = [];
  return { repo: GitRepo.forRemote(cache, { url, branch: 'main' }, { onDamagedClone: (reason) => heals.push(reason) }), heals };
}

const gitdir = (cache: string) => join(cache, 'git', readdirSync(join(cache, 'git'))[0]!, '.git');

/** Every file under `apps` at `commit`, as text, through the streaming read the cycle uses. */
async function readAll(repo: GitRepo, commit: string): Promise<[string, string][]> {
  const { files } = await repo.listFiles(commit, ['apps'], () => true);
  const out: [string, string][] = [];
  for (const file of files) out.push([file.path, new TextDecoder().decode(await repo.readBlob(file, 1 << 20))]);
  return out;
}

/**
 * What a writer killed mid-write leaves: an object's loose file, cut short (a loose copy is read
 * before a packed one). The reader looks for loose files in the fan-out folders its last refresh
 * found, so a repository object must open (or fetch) after the tear to meet it.
 */
function tear(cache: string, oid: string): void {
  mkdirSync(join(gitdir(cache), 'objects', oid.slice(0, 2)), { recursive: true });
  writeFileSync(join(gitdir(cache), 'objects', oid.slice(0, 2), oid.slice(2)), Buffer.from([0x78]));
}

/** A bad disk under an open clone: the packed object's compressed bytes zeroed, its entry header left as it was. */
function damagePacked(cache: string, oid: string): void {
  const packs = join(gitdir(cache), 'objects', 'pack');
  const idx = readdirSync(packs).find((f) => f.endsWith('.idx'))!;
  const line = execFileSync('git', ['show-index'], { input: readFileSync(join(packs, idx)), encoding: 'utf8' })
    .split('\n')
    .find((l) => l.split(' ')[1] === oid)!;
  // A small blob's entry header takes two bytes (type and a size of 16 or more): zlib's header follows.
  const fd = openSync(join(packs, idx.replace(/\.idx$/, '.pack')), 'r+');
  writeSync(fd, Buffer.alloc(4), 0, 4, Number(line.split(' ')[0]) + 2);
  closeSync(fd);
}

const FILES: [string, string][] = [
  ['apps/api.yaml', 'image: api:1.0.0\n'],
  ['apps/web.yaml', 'image: web:1.0.0\n'],
];

test('a file torn in the clone (the head intact) is healed: the clone is dropped, cloned again and the file read, and the heal reported', async () => {
  const { bare, url } = fleet();
  const cache = caches.make();
  await open(cache, url).repo.sync();
  const blob = git(bare, 'rev-parse', 'main:apps/web.yaml').trim();
  tear(cache, blob);

  const { repo, heals } = open(cache, url);
  const synced = await repo.sync();
  assert.deepEqual(await readAll(repo, synced), FILES);
  assert.equal(heals.length, 1, heals.join('\n'));
  // Listing reads each file's header, so the torn object is met there.
  assert.match(heals[0]!, new RegExp(`cannot list ${synced.slice(0, 12)}: object ${blob.slice(0, 12)} in the clone is unusable`));
});

test('a tree torn in the clone is healed while the files are listed', async () => {
  const { bare, url } = fleet();
  const cache = caches.make();
  await open(cache, url).repo.sync();
  tear(cache, git(bare, 'rev-parse', 'main:apps').trim());

  const { repo, heals } = open(cache, url);
  const synced = await repo.sync();
  assert.deepEqual(await readAll(repo, synced), FILES);
  assert.equal(heals.length, 1, heals.join('\n'));
  assert.match(heals[0]!, new RegExp(`cannot list ${synced.slice(0, 12)}`));
});

test('a clone whose pack is cut short is dropped and cloned again, and the heal reported', async () => {
  const { bare, url } = fleet();
  const cache = caches.make();
  await open(cache, url).repo.sync();
  const packs = join(gitdir(cache), 'objects', 'pack');
  const pack = readdirSync(packs).find((f) => f.endsWith('.pack'))!;
  truncateSync(join(packs, pack), 40);

  const { repo, heals } = open(cache, url);
  assert.equal(await repo.sync(), head(bare));
  assert.equal((await readAll(repo, head(bare))).length, 2);
  assert.equal(heals.length, 1, heals.join('\n'));
});

test('a pack whose trailer is damaged (every object still readable at its offset) is healed when a commit is built on it, and the heal reported', async () => {
  const { bare, url } = fleet();
  const cache = caches.make();
  await open(cache, url).repo.sync();
  // The last bytes of a pack are its checksum: the object reader never looks at them, isomorphic-git (which builds the commit) does.
  const packs = join(gitdir(cache), 'objects', 'pack');
  const pack = join(packs, readdirSync(packs).find((f) => f.endsWith('.pack'))!);
  const bytes = readFileSync(pack);
  bytes.fill(0, bytes.length - 20);
  writeFileSync(pack, bytes);

  const { repo, heals } = open(cache, url);
  const synced = await repo.sync();
  assert.deepEqual(await readAll(repo, synced), FILES);
  assert.deepEqual(heals, []);
  const commit = await repo.commit(synced, new Map([['apps/web.yaml', new TextEncoder().encode('image: web:1.1.0\n')]]), 'tagpilot: web\n', { name: 'bot', email: 'bot@example.com' });
  await repo.push(commit);
  assert.equal(head(bare), commit);
  assert.equal(heals.length, 1, heals.join('\n'));
  assert.match(heals[0]!, new RegExp(`cannot build on ${synced.slice(0, 12)}: .*trailer`, 'i'));
});

test('a file over the read limit is refused without a new clone: a limit is no damage', async () => {
  const { url } = fleet();
  const cache = caches.make();
  const { repo, heals } = open(cache, url);
  const synced = await repo.sync();
  const { files } = await repo.listFiles(synced, ['apps'], () => true);
  await assert.rejects(repo.readBlob(files[0]!, 4), { code: 'object-too-large' });
  assert.deepEqual(heals, []);
});

test("a clone is dropped for damage at most once per fetch: a second damaged file in the same cycle is that file's failure", async () => {
  const { bare, url } = fleet();
  const cache = caches.make();
  const { repo, heals } = open(cache, url);
  const synced = await repo.sync();
  const { files } = await repo.listFiles(synced, ['apps'], () => true);
  damagePacked(cache, git(bare, 'rev-parse', 'main:apps/api.yaml').trim());
  assert.equal(new TextDecoder().decode(await repo.readBlob(files[0]!, 1 << 20)), FILES[0]![1]);
  damagePacked(cache, git(bare, 'rev-parse', 'main:apps/web.yaml').trim());
  await assert.rejects(repo.readBlob(files[1]!, 1 << 20), { code: 'object-corrupt' });
  assert.equal(heals.length, 1, heals.join('\n'));
  // The next cycle's fetch allows one heal again.
  await repo.sync();
  assert.equal(new TextDecoder().decode(await repo.readBlob(files[1]!, 1 << 20)), FILES[1]![1]);
  assert.equal(heals.length, 2, heals.join('\n'));
});
