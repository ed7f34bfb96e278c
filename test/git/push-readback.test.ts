import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GitError, PushRejected } from '../../src/git/remote.ts';
import { GitRepo } from '../../src/git/repo.ts';
import type { GitFault, GitRequest } from '../harness/git-server.ts';
import { createBareRepo, humanCommit, installHook } from '../harness/git-repos.ts';
import { BOT, bytes, head, suiteGitServer } from './fixtures.ts';

/**
 * A push whose answer is lost: the connection fails after the server applied it (or before).
 * The branch read back on a new connection decides what is reported, never the failed answer.
 */
describe('a push whose answer was lost is settled by reading the branch back', () => {
  const suite = suiteGitServer();
  const { caches, hooks } = suite;
  let counter = 0;

  /** A fresh repo, synced, with our commit ready to push. */
  async function ready(): Promise<{ bare: string; repo: GitRepo; commit: string; parent: string }> {
    const name = `lost-${++counter}`;
    const bare = createBareRepo(suite.server.root, name, { 'apps/web.yaml': 'image: web:1\n' });
    const repo = GitRepo.forRemote(caches.make(), { url: suite.server.repoUrl(name), branch: 'main', timeouts: { connectMs: 2_000, idleMs: 1_000 } }, { readBackWaitsMs: [0, 100] });
    const parent = await repo.sync();
    return { bare, repo, parent, commit: await repo.commit(parent, new Map([['apps/web.yaml', bytes('image: web:2\n')]]), 'bump\n', BOT) };
  }

  const onPush = (f: GitFault) => (r: GitRequest) => (r.method === 'POST' && r.path.endsWith('/git-receive-pack') ? f : undefined);

  for (const how of ['status-500', 'reset', 'stall'] as const) {
    test(`applied, then the answer is lost (${how}): success, known from the branch`, async () => {
      const { bare, repo, commit } = await ready();
      hooks.fault = onPush({ afterBackend: how });
      assert.deepEqual(await repo.push(commit), { confirmedBy: 'read-back' });
      assert.equal(head(bare), commit);
    });
  }

  test('applied, then the report never ends (a hook stalls it): success, known from the branch', async () => {
    const { bare, repo, commit } = await ready();
    installHook(bare, 'reference-transaction', 'if [ "$1" = committed ]; then sleep 2; fi');
    assert.deepEqual(await repo.push(commit), { confirmedBy: 'read-back' });
    assert.equal(head(bare), commit);
  });

  test('refused with a 500 before anything was applied: failure, and it says the branch is unchanged', async () => {
    const { bare, repo, commit, parent } = await ready();
    hooks.fault = onPush({ status: 500 });
    await assert.rejects(repo.push(commit), (error: unknown) => error instanceof GitError && !(error instanceof PushRejected) && /HTTP 500; the branch is unchanged, so the push did not land/.test(error.message));
    assert.equal(head(bare), parent);
  });

  test('lost, and meanwhile someone else moved the branch: a lost race, retried by the cycle', async () => {
    const { bare, repo, commit } = await ready();
    let human = '';
    hooks.fault = (r) => {
      if (r.method !== 'POST' || !r.path.endsWith('/git-receive-pack')) return undefined;
      human = humanCommit(bare, { 'README.md': '# human\n' }, 'human first');
      return { status: 500 };
    };
    await assert.rejects(repo.push(commit), (error: unknown) => error instanceof PushRejected && error.lostRace);
    assert.equal(head(bare), human);
  });

  test('applied, and the branch cannot be read back either: neither success nor failure is claimed', async () => {
    const { bare, repo, commit } = await ready();
    let pushed = false;
    hooks.fault = (r) => {
      if (pushed) return { status: 503 };
      if (r.method !== 'POST' || !r.path.endsWith('/git-receive-pack')) return undefined;
      pushed = true;
      return { afterBackend: 'reset' };
    };
    await assert.rejects(repo.push(commit), (error: unknown) => {
      assert.ok(error instanceof GitError);
      assert.equal(error.code, 'push-unconfirmed');
      assert.match(error.message, /reading the branch back failed too \(.*503.*\): whether the push landed is unknown/);
      assert.doesNotMatch(error.message, /did not land/);
      return true;
    });
    assert.equal(head(bare), commit, 'it had landed');
  });
});
