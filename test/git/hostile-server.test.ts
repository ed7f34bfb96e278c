import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GitError, type GitRemote } from '../../src/git/remote.ts';
import { buildPack, commitOn, whole, zeroBlob } from '../harness/hostile-packs.ts';
import { advertisement, endlessAdvertisement, endlessPack, endlessRefs, endlessReport, sideBandPack, startHostileGitServer, tricklingRefs, type HostileGitOptions } from '../harness/hostile-git-server.ts';
import { startHostileSshd } from '../harness/hostile-sshd.ts';
import { generateKey } from '../harness/sshd.ts';
import { BOT, bytes, cacheDirs, openRepo } from './fixtures.ts';

const MiB = 2 ** 20;
const caches = cacheDirs();
after(() => caches.cleanup());

/** A readable head: one file, its tree and a commit. */
const file = whole('blob', Buffer.from('image: web:1\n'));
const { tree, commit } = commitOn([{ name: 'web.yaml', oid: file.oid }]);
const honestPack = () => sideBandPack(buildPack([commit, tree, file]));

/** Runs `action` against a hostile server; the remote's settings can be tightened per test. */
async function against<T>(options: HostileGitOptions, action: (remote: GitRemote) => Promise<T>): Promise<T> {
  const server = await startHostileGitServer(options);
  try {
    return await action({ url: server.url, branch: 'main', timeouts: { connectMs: 2_000, idleMs: 2_000 } });
  } finally {
    await server.stop();
  }
}

async function failure(promise: Promise<unknown>): Promise<GitError> {
  const error = await promise.then(
    () => assert.fail('it succeeded'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GitError, `not a coded git error: ${String(error)}`);
  return error;
}

test('an endless ref advertisement is cut at the advertisement limit', async () => {
  const server = await startHostileGitServer({ advertisement: endlessAdvertisement(commit.oid) });
  try {
    const repo = openRepo(caches.make(), { url: server.url, branch: 'main', limits: { advertisementBytes: MiB } });
    const error = await failure(repo.sync());
    assert.equal(error.code, 'advertisement-too-large');
    assert.deepEqual(error.data, { limit: 'advertisementBytes', value: MiB });
    assert.match(error.message, /the ref advertisement is larger than the limit of 1 MiB \(git\.limits\.advertisementBytes\)/);
    // What the server got to write before we stopped reading: the limit and the socket buffers.
    assert.ok(server.sent() < 16 * MiB, `${server.sent()} B sent`);
  } finally {
    await server.stop();
  }
});

test('an endless pack is cut at the pack limit', async () => {
  const error = await against({ advertisement: advertisement({ 'refs/heads/main': commit.oid }), upload: endlessPack() }, (remote) => failure(openRepo(caches.make(), { ...remote, limits: { packBytes: 2 * MiB } }).sync()));
  assert.equal(error.code, 'pack-too-large');
  assert.deepEqual(error.data, { limit: 'packBytes', value: 2 * MiB });
});

test('a server that trickles its answer, never idle, fails at the operation deadline', async () => {
  const started = performance.now();
  const error = await against({ advertisement: advertisement({ 'refs/heads/main': commit.oid }), upload: honestPack(), dripMs: 100 }, (remote) => failure(openRepo(caches.make(), { ...remote, timeouts: { connectMs: 2_000, idleMs: 1_000, operationMs: 1_500 } }).sync()));
  assert.equal(error.code, 'git-deadline');
  assert.match(error.message, /did not finish within 1500 ms \(git\.timeouts\.operation\)/);
  assert.ok(performance.now() - started < 5_000);
});

test('an object over the configured limit fails the first clone with a coded error, and leaves no clone behind', async () => {
  const bomb = await zeroBlob(2 * MiB);
  const cache = caches.make();
  const error = await against({ advertisement: advertisement({ 'refs/heads/main': commit.oid }), upload: sideBandPack(buildPack([commit, tree, bomb])) }, (remote) => failure(openRepo(cache, { ...remote, limits: { objectBytes: MiB } }).sync()));
  assert.equal(error.code, 'object-too-large');
  assert.match(error.message, /^fetch from .*evil\.git \(main\): .*declares more than the limit of 1 MiB/);
  assert.deepEqual(existsSync(join(cache, 'git')) ? readdirSync(join(cache, 'git')) : [], []);
});

test('an endless push report is cut, and the branch read back says the push did not land', async () => {
  const options = {
    advertisement: advertisement({ 'refs/heads/main': commit.oid }),
    receiveAdvertisement: advertisement({ 'refs/heads/main': commit.oid }, 'git-receive-pack'),
    upload: honestPack(),
    receive: endlessReport(),
  };
  const error = await against(options, async (remote) => {
    const repo = openRepo(caches.make(), remote);
    const head = await repo.sync();
    const ours = await repo.commit(head, new Map([['web.yaml', bytes('image: web:2\n')]]), 'bump\n', BOT);
    return failure(repo.push(ours));
  });
  assert.equal(error.code, 'response-too-large');
  assert.match(error.message, /the answer is larger than 4 MiB; the branch is unchanged, so the push did not land/);
});

describe('over SSH', () => {
  const key = generateKey('ed25519');

  async function overSsh(output: () => AsyncIterable<Buffer>, remote: Partial<GitRemote>): Promise<GitError> {
    const sshd = await startHostileSshd(output);
    try {
      const repo = openRepo(caches.make(), { url: sshd.url, branch: 'main', ssh: { privateKey: key.privateKey, knownHosts: sshd.knownHosts }, timeouts: { connectMs: 5_000, idleMs: 2_000 }, ...remote });
      return await failure(repo.sync());
    } finally {
      await sshd.stop();
    }
  }

  test('an endless ref advertisement is cut at the advertisement limit', async () => {
    const error = await overSsh(endlessRefs(commit.oid), { limits: { advertisementBytes: MiB } });
    assert.equal(error.code, 'advertisement-too-large');
    assert.match(error.message, /git-upload-pack: the ref advertisement is larger than the limit of 1 MiB/);
  });

  test('a server that trickles its refs, never idle, fails at the operation deadline', async () => {
    const started = performance.now();
    const error = await overSsh(tricklingRefs(commit.oid, 50), { timeouts: { connectMs: 5_000, idleMs: 1_000, operationMs: 1_500 } });
    assert.equal(error.code, 'git-deadline');
    assert.ok(performance.now() - started < 5_000);
  });
});
