import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitError } from '../../src/git/index.ts';
import { storePack } from '../../src/git/index-pack.ts';
import { splitPktLines } from '../../src/git/pkt-line.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { createBareRepo, humanCommit } from '../harness/git-repos.ts';
import { cacheDirs, head, openRepo } from './fixtures.ts';

/**
 * "Our cache is damaged" and "the remote failed" are different errors with different remedies:
 * only the first drops the clone (a new clone would not mend a remote that fails, and costs a
 * full download every cycle).
 */
describe('a failing remote is not a damaged cache', () => {
  let server: GitServer;
  let proxy: FaultProxy;
  const caches = cacheDirs();
  let counter = 0;

  before(async () => {
    server = await startGitServer();
    proxy = await FaultProxy.start({ upstream: server.url });
  });
  after(async () => {
    await proxy.stop();
    await server.stop();
    caches.cleanup();
  });

  /** A synced clone behind the proxy, with a marker file that a re-clone would delete. */
  async function syncedClone() {
    const name = `repo-${++counter}`;
    const bare = createBareRepo(server.root, name, { 'apps/web.yaml': 'image: web:1\n' });
    const cache = caches.make();
    const repo = openRepo(cache, { url: `${proxy.url}/${name}.git`, branch: 'main' });
    await repo.sync();
    const marker = join(cache, 'git', readdirSync(join(cache, 'git'))[0]!, '.git', 'kept');
    writeFileSync(marker, 'a re-clone deletes this');
    humanCommit(bare, { 'apps/web.yaml': 'image: web:2\n' }, 'new work');
    return { bare, repo, marker };
  }

  for (const [fault, code] of [
    ['shorten', 'git-protocol'],
    ['truncate', 'git-unreachable'],
  ] as const) {
    test(`a fetch reply that is ${fault === 'shorten' ? 'cut short but ends cleanly' : 'broken off mid-body'} fails as ${code}, and the clone is kept`, async () => {
      const { bare, repo, marker } = await syncedClone();
      proxy.inject(/^POST .*git-upload-pack$/, { [fault]: true });
      await assert.rejects(repo.sync(), (error: unknown) => error instanceof GitError && error.code === code);
      assert.ok(existsSync(marker), 'the clone was dropped');
      assert.equal(await repo.sync(), head(bare), 'the next sync fetches into the same clone');
      assert.ok(existsSync(marker));
    });
  }

  test('a damaged cache is the one failure that drops the clone', async () => {
    const { bare, repo, marker } = await syncedClone();
    rmSync(join(marker, '..', 'objects', 'pack'), { recursive: true });
    assert.equal(await repo.sync(), head(bare));
    assert.ok(!existsSync(marker), 'the damaged clone should have been replaced');
  });
});

test('received bytes that are not a whole pack or pkt-lines are the remote’s failure, never a damaged cache', async () => {
  const broken = [Buffer.from('PACK\0\0\0\x02\0\0\0\x01'), Buffer.from('PACK'), Buffer.alloc(40)];
  for (const bytes of broken) await assert.rejects(storePack('/nonexistent', bytes), (error: unknown) => error instanceof GitError && error.code === 'pack-corrupt');
  assert.throws(
    () => splitPktLines(Buffer.from('0010abc')),
    (error: unknown) => error instanceof GitError && error.code === 'git-protocol',
  );
  assert.throws(
    () => splitPktLines(Buffer.from('zzzz')),
    (error: unknown) => error instanceof GitError && error.code === 'git-protocol',
  );
});
