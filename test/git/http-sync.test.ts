import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { PushRejected } from '../../src/git/remote.ts';
import { GitRepo } from '../../src/git/repo.ts';
import { createBareRepo, git, humanCommit, installHook } from '../harness/git-repos.ts';
import { createBigRepo } from '../harness/big-repo.ts';
import { BOT, botWrite, bytes, head, openRepo, show, suiteGitServer } from './fixtures.ts';

describe('a persistent clone over smart HTTP (git http-backend)', () => {
  const suite = suiteGitServer();
  const { caches, hooks } = suite;
  let counter = 0;
  const fleet = () => {
    const name = `fleet-${++counter}`;
    return { name, bare: createBareRepo(suite.server.root, name, { 'apps/web.yaml': 'image: web:1.0.0\n', 'apps/api.yaml': 'image: api:1.0.0\n', 'README.md': '# fleet\n' }), url: suite.server.repoUrl(name) };
  };
  const exchangesSince = (from: number, match: RegExp) => suite.server.exchanges.slice(from).filter((e) => match.test(`${e.method} ${e.url}`));

  test('the first sync is a shallow single-branch clone without a working tree', async () => {
    const { bare, url } = fleet();
    git(bare, 'branch', 'other', 'main');
    const cache = caches.make();
    const repo = openRepo(cache, { url, branch: 'main' });
    assert.equal(await repo.sync(), head(bare));
    const [dir] = readdirSync(join(cache, 'git'));
    const clone = join(cache, 'git', dir!);
    assert.deepEqual(readdirSync(clone), ['.git']);
    assert.ok(existsSync(join(clone, '.git', 'shallow')));
    assert.deepEqual(readdirSync(join(clone, '.git', 'refs', 'remotes', 'origin')), ['main']);
  });

  test('a later sync is a plain fetch that downloads a fraction of the clone', async () => {
    const bare = createBigRepo(suite.server.root, 'big', { files: 400, commits: 3, filesPerCommit: 5, folders: 10 });
    const repo = openRepo(caches.make(), { url: suite.server.repoUrl('big'), branch: 'main' });
    const start = suite.server.exchanges.length;
    await repo.sync();
    const [clone] = exchangesSince(start, /POST .*git-upload-pack/);
    humanCommit(bare, { 'apps/team-01/svc-0001.yaml': 'changed\n' }, 'one file');
    const middle = suite.server.exchanges.length;
    assert.equal(await repo.sync(), head(bare));
    const [fetch] = exchangesSince(middle, /POST .*git-upload-pack/);
    assert.ok(fetch!.responseBytes * 20 < clone!.responseBytes, `fetch ${fetch!.responseBytes} B vs clone ${clone!.responseBytes} B`);
    // The remote sent a thin pack; what we stored stands on its own, as git checks it.
    const gitdir = join(caches.last(), 'git', readdirSync(join(caches.last(), 'git'))[0]!, '.git');
    for (const idx of readdirSync(join(gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.idx'))) git(gitdir, 'verify-pack', join(gitdir, 'objects', 'pack', idx));
  });

  test('a sync with nothing new downloads an empty pack', async () => {
    const { url } = fleet();
    const repo = openRepo(caches.make(), { url, branch: 'main' });
    await repo.sync();
    const start = suite.server.exchanges.length;
    await repo.sync();
    assert.ok(exchangesSince(start, /POST/).every((e) => e.responseBytes < 512));
  });

  test('fetches stay incremental cycle after cycle, not since the first clone', async () => {
    const bare = createBigRepo(suite.server.root, 'big-many', { files: 400, commits: 2, filesPerCommit: 5, folders: 10 });
    const repo = openRepo(caches.make(), { url: suite.server.repoUrl('big-many'), branch: 'main' });
    await repo.sync();
    const sizes: number[] = [];
    for (let i = 0; i < 4; i++) {
      humanCommit(bare, { [`apps/team-0${i}/svc-000${i}.yaml`]: `changed ${i}\n` }, `change ${i}`);
      const start = suite.server.exchanges.length;
      await repo.sync();
      sizes.push(exchangesSince(start, /POST .*git-upload-pack/)[0]!.responseBytes);
    }
    assert.ok(sizes[3]! < sizes[0]! * 1.5, `fetch sizes ${sizes.join(', ')}`);
  });

  test('a commit pushed lands on the branch as a fast-forward with only our change', async () => {
    const { bare, url } = fleet();
    const repo = openRepo(caches.make(), { url, branch: 'main' });
    const { parent, commit } = await botWrite(repo, 'apps/web.yaml', 'image: web:1.1.0\n');
    assert.equal(head(bare), commit);
    assert.equal(git(bare, 'rev-parse', `${commit}^`).trim(), parent);
    assert.equal(git(bare, 'diff', '--name-only', parent, commit).trim(), 'apps/web.yaml');
    assert.equal(git(bare, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', 'main').trim(), 'tagpilot-bot <bot@example.com>|tagpilot-bot <bot@example.com>');
    git(bare, 'fsck', '--strict', '--no-dangling');
  });

  test("git operations leave no listener on the caller's signal, which outlives them (Node keeps an AbortSignal.any alive while it has one, with all it holds)", async () => {
    const { bare, url } = fleet();
    const repo = openRepo(caches.make(), { url, branch: 'main' });
    // A cycle's signal: the runner's cancel and the cycle's timeout.
    const cycle = AbortSignal.any([new AbortController().signal, new AbortController().signal]);
    const parent = await repo.sync(cycle);
    const commit = await repo.commit(parent, new Map([['apps/web.yaml', bytes('image: web:1.1.0\n')]]), 'tagpilot: apps/web.yaml\n', BOT);
    await repo.push(commit, undefined, cycle);
    assert.equal(await repo.readBack('main', cycle), commit);
    assert.equal(head(bare), commit);
    assert.equal(getEventListeners(cycle, 'abort').length, 0, 'fetch, push and read-back each took their listener off');
  });

  test('a push sends only the new objects, not the tree', async () => {
    createBigRepo(suite.server.root, 'big-push', { files: 400, commits: 2, filesPerCommit: 5, folders: 10 });
    const repo = openRepo(caches.make(), { url: suite.server.repoUrl('big-push'), branch: 'main' });
    const parent = await repo.sync();
    const commit = await repo.commit(parent, new Map([['apps/team-03/svc-0003.yaml', bytes('image: x:2\n')]]), 'one file\n', BOT);
    const start = suite.server.exchanges.length;
    await repo.push(commit);
    const [push] = exchangesSince(start, /POST .*git-receive-pack/);
    // The commit, the blob and three trees: a few hundred bytes; the tree alone is ~30 KB.
    assert.ok(push!.requestBytes < 4_000, `${push!.requestBytes} B pushed`);
  });

  test('a branch that moved since our sync is a lost race, and nothing is overwritten', async () => {
    const { bare, url } = fleet();
    const repo = openRepo(caches.make(), { url, branch: 'main' });
    const parent = await repo.sync();
    const human = humanCommit(bare, { 'apps/api.yaml': 'image: api:9\n' }, 'human change');
    const commit = await repo.commit(parent, new Map([['apps/web.yaml', bytes('image: web:2\n')]]), 'bot\n', BOT);
    await assert.rejects(repo.push(commit), (error: unknown) => error instanceof PushRejected && error.lostRace && /branch moved/.test(error.message));
    assert.equal(head(bare), human);
  });

  test('a branch that moves between the ref advertisement and the update is a lost race too', async () => {
    const { bare, url } = fleet();
    const repo = openRepo(caches.make(), { url, branch: 'main' });
    const parent = await repo.sync();
    const commit = await repo.commit(parent, new Map([['apps/web.yaml', bytes('image: web:2\n')]]), 'bot\n', BOT);
    let human = '';
    hooks.beforeRequest = ({ method, path }) => {
      if (method === 'POST' && path.endsWith('git-receive-pack') && human === '') human = humanCommit(bare, { 'apps/api.yaml': 'image: api:9\n' }, 'human change');
    };
    await assert.rejects(repo.push(commit), (error: unknown) => error instanceof PushRejected && error.lostRace);
    assert.equal(head(bare), human);
  });

  test('a push someone builds on before our read-back still counts as landed', async () => {
    const { bare, url } = fleet();
    const repo = openRepo(caches.make(), { url, branch: 'main' });
    const parent = await repo.sync();
    const commit = await repo.commit(parent, new Map([['apps/web.yaml', bytes('image: web:2\n')]]), 'bot\n', BOT);
    let pushed = false;
    let human = '';
    hooks.beforeRequest = ({ method, path }) => {
      if (pushed && human === '') human = humanCommit(bare, { 'apps/api.yaml': 'image: api:9\n' }, 'human on top');
      if (method === 'POST' && path.endsWith('git-receive-pack')) pushed = true;
    };
    await repo.push(commit);
    assert.equal(git(bare, 'rev-parse', 'main^').trim(), commit);
    assert.equal(head(bare), human);
  });

  test('a push refused by a pre-receive hook fails with the hook’s words and is not a lost race', async () => {
    const { bare, url } = fleet();
    installHook(bare, 'pre-receive', 'echo "policy: bot commits need review" >&2\nexit 1');
    const repo = openRepo(caches.make(), { url, branch: 'main' });
    const before = head(bare);
    await assert.rejects(botWrite(repo, 'apps/web.yaml', 'image: web:2\n'), (error: unknown) => {
      assert.ok(error instanceof PushRejected);
      assert.equal(error.lostRace, false);
      assert.match(error.message, /pre-receive hook declined/);
      assert.match(error.message, /policy: bot commits need review/);
      return true;
    });
    assert.equal(head(bare), before);
  });

  test('a clone that gathered too many packs is replaced by a fresh shallow clone', async () => {
    const { bare, url } = fleet();
    const cache = caches.make();
    const repo = GitRepo.forRemote(cache, { url, branch: 'main' }, { maxPacks: 2 });
    const packs = () => readdirSync(join(cache, 'git', readdirSync(join(cache, 'git'))[0]!, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.idx')).length;
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      humanCommit(bare, { 'apps/api.yaml': `image: api:${i}\n` }, `change ${i}`);
      assert.equal(await repo.sync(), head(bare));
      counts.push(packs());
    }
    assert.deepEqual(counts, [1, 2, 3, 1]);
  });

  test('a deleted cache is rebuilt by the next sync', async () => {
    const { bare, url } = fleet();
    const cache = caches.make();
    const repo = openRepo(cache, { url, branch: 'main' });
    await repo.sync();
    rmSync(join(cache, 'git'), { recursive: true });
    assert.equal(await repo.sync(), head(bare));
  });

  test('a damaged cache (its packs gone) is dropped and cloned again', async () => {
    const { bare, url } = fleet();
    const cache = caches.make();
    const repo = openRepo(cache, { url, branch: 'main' });
    await repo.sync();
    const [dir] = readdirSync(join(cache, 'git'));
    rmSync(join(cache, 'git', dir!, '.git', 'objects', 'pack'), { recursive: true });
    humanCommit(bare, { 'apps/api.yaml': 'image: api:5\n' }, 'human change');
    assert.equal(await repo.sync(), head(bare));
    assert.equal((await repo.listFiles(head(bare), ['apps'], () => true)).files.length, 2);
  });

  test('with a push branch, main is never written and the branch is created from main', async () => {
    const { bare, url } = fleet();
    const main = head(bare);
    const repo = openRepo(caches.make(), { url, branch: 'main', pushBranch: 'tagpilot/updates' });
    const { parent, commit } = await botWrite(repo, 'apps/web.yaml', 'image: web:2\n');
    assert.equal(parent, main);
    assert.equal(head(bare), main);
    assert.equal(head(bare, 'tagpilot/updates'), commit);
  });

  test('a push branch made long ago is fetched at depth 1, not through its whole history', async () => {
    const { bare, url } = fleet();
    git(bare, 'branch', 'tagpilot/updates', 'main');
    const old = head(bare, 'tagpilot/updates');
    humanCommit(bare, { 'apps/api.yaml': 'image: api:2\n' }, 'later on main');
    const cache = caches.make();
    const repo = openRepo(cache, { url, branch: 'main', pushBranch: 'tagpilot/updates' });
    assert.equal(await repo.sync(), old);
    const gitdir = join(cache, 'git', readdirSync(join(cache, 'git'))[0]!, '.git');
    assert.match(readFileSync(join(gitdir, 'shallow'), 'utf8'), new RegExp(old));
  });

  test('with a push branch that exists, the next commit builds on it as a fast-forward', async () => {
    const { bare, url } = fleet();
    const repo = openRepo(caches.make(), { url, branch: 'main', pushBranch: 'tagpilot/updates' });
    const first = await botWrite(repo, 'apps/web.yaml', 'image: web:2\n');
    const second = await botWrite(repo, 'apps/api.yaml', 'image: api:2\n');
    assert.equal(second.parent, first.commit);
    assert.match(show(bare, 'tagpilot/updates:apps/web.yaml'), /web:2/);
  });
});
