import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { automated } from '../harness/manifests.ts';
import { makeAgitServer } from '../harness/agit.ts';
import { runCli } from '../harness/cli.ts';

describe('AGit flow: a review from a plain push to refs/for/<branch> with push options', () => {
  let stack: Stack;
  let bare: string;
  let agit: ReturnType<typeof makeAgitServer>;
  let config: string;
  const tags = ['1.0.0', '1.1.0'];

  before(async () => {
    stack = await startStack();
    await seedTags(stack.registry.url, 'team/agit', versionTags(tags));
    bare = createBareRepo(stack.server.root, 'fleet', { 'apps/web.yaml': automated('web', `${stack.registry.host}/team/agit:1.0.0`, 'semver:^1') });
    agit = makeAgitServer(bare);
    config = stack.config('fleet', 'review:\n  host: agit\n');
  });
  after(() => stack.stop());

  test('the push carries topic, title and description; the server hook takes it; main is untouched', async () => {
    const main = git(bare, 'rev-parse', 'main').trim();
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
    const [push] = agit.pushes();
    assert.equal(push?.ref, 'refs/for/main');
    assert.equal(push?.options.topic, 'tagpilot/main');
    assert.match(push!.options.title!, /1\.0\.0 → 1\.1\.0/);
    assert.match(push!.options.description!, /^Tagpilot-Update: .* 1\.0\.0 1\.1\.0 semver:\^1$/m, 'a multi-line description arrives whole');
    assert.equal(git(bare, 'rev-parse', 'main').trim(), main);
    assert.match(git(bare, 'show', 'refs/reviews/tagpilot/main:apps/web.yaml'), /:1\.1\.0/);
  });

  test('a new tag updates the same review (same topic) with the latest change', async () => {
    tags.push('1.2.0');
    await seedTags(stack.registry.url, 'team/agit', versionTags(tags));
    assert.equal((await runCli(['run', '--once', '--config', config])).code, 0);
    const pushes = agit.pushes();
    assert.deepEqual(
      pushes.map((p) => p.options.topic),
      ['tagpilot/main', 'tagpilot/main'],
    );
    assert.match(git(bare, 'show', 'refs/reviews/tagpilot/main:apps/web.yaml'), /:1\.2\.0/);
  });

  test('a server that does not advertise push options is a clear failure, not a push without them', async () => {
    git(bare, 'config', 'receive.advertisePushOptions', 'false');
    try {
      const result = await runCli(['run', '--once', '--config', config]);
      assert.equal(result.code, 1);
      assert.match(result.err, /takes no push options/);
    } finally {
      git(bare, 'config', 'receive.advertisePushOptions', 'true');
    }
  });
});
