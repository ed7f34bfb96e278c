import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GitError } from '../../src/git/remote.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { head, openRepo, suiteGitServer } from './fixtures.ts';

/**
 * Another writer (a second replica) rewrites or deletes a branch between our GET of the ref
 * advertisement and our POST of the `want`: git http-backend refuses a want that is no longer
 * reachable ("upload-pack: not our ref"), as GitHub and GitLab do. The fetch asks again, with a
 * fresh advertisement, as the race is lost and not the cycle.
 */
describe('a branch that moves between the advertisement and the fetch (git http-backend)', () => {
  const suite = suiteGitServer();
  const { caches, hooks } = suite;
  let counter = 0;

  /** A repo with `main` and a review branch one commit on it, and a clone that already holds both. */
  const setup = async () => {
    const name = `moved-${++counter}`;
    const bare = createBareRepo(suite.server.root, name, { 'apps/web.yaml': 'image: web:1.0.0\n' });
    rewrite(bare, 'review', 'first');
    const repo = openRepo(caches.make(), { url: suite.server.repoUrl(name), branch: 'main' });
    await repo.fetch(['main', 'review']);
    return { bare, repo };
  };

  /** Points `branch` at a new commit on main, so its old head is reachable from no ref (as a review branch rebuilt). */
  const rewrite = (bare: string, branch: string, message: string) => {
    const commit = git(bare, 'commit-tree', 'main^{tree}', '-p', 'main', '-m', message).trim();
    git(bare, 'update-ref', `refs/heads/${branch}`, commit);
    return commit;
  };

  /** Runs `move` when the POST of the `nth` upload-pack request of this fetch arrives (after its advertisement was read). */
  const beforeFetch = (times: number, move: () => void) => {
    let left = times;
    hooks.beforeRequest = (request) => {
      if (request.method === 'POST' && request.service === null && request.path.endsWith('/git-upload-pack') && left > 0) {
        left--;
        move();
      }
    };
  };

  test('rewritten in between: the fetch asks again and returns the new head', async () => {
    const { bare, repo } = await setup();
    rewrite(bare, 'review', 'second'); // what our advertisement will show, and we do not hold
    let latest = '';
    beforeFetch(1, () => (latest = rewrite(bare, 'review', 'third')));
    const heads = await repo.fetch(['review']);
    assert.equal(heads.get('review'), latest);
    assert.equal(latest, head(bare, 'review'));
  });

  test('deleted in between: the branch is absent, as if the advertisement had not named it', async () => {
    const { bare, repo } = await setup();
    rewrite(bare, 'review', 'second');
    beforeFetch(1, () => git(bare, 'update-ref', '-d', 'refs/heads/review'));
    const heads = await repo.fetch(['main', 'review']);
    assert.deepEqual([...heads.keys()], ['main']);
  });

  test('moved before every fetch: a few attempts, then a clear error naming the branch, not a stall', async () => {
    const { bare, repo } = await setup();
    rewrite(bare, 'review', 'second');
    let moves = 0;
    beforeFetch(Number.POSITIVE_INFINITY, () => rewrite(bare, 'review', `move ${++moves}`));
    await assert.rejects(repo.fetch(['review']), (error: unknown) => {
      assert.ok(error instanceof GitError, String(error));
      assert.equal(error.code, 'git-ref-moving');
      assert.match(error.message, /refs\/heads\/review moved on the remote during each of 3 fetches/);
      return true;
    });
    assert.equal(moves, 3);
  });
});
