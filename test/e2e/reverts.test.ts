import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles } from '../harness/fleet.ts';
import { runCli } from '../harness/cli.ts';

/** `git revert` of a commit, pushed, as a person does it: the real git, its own message. */
function revert(bare: string, commit: string): string {
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-revert-'));
  try {
    git(work, 'clone', '-q', bare, '.');
    git(work, 'revert', '--no-edit', commit);
    git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
    return git(work, 'rev-parse', 'HEAD').trim();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function dropCache(config: string): void {
  const dir = /^cacheDir: (.+)$/m.exec(readFileSync(config, 'utf8'))![1]!;
  rmSync(join(dirname(config), dir), { recursive: true, force: true });
}

interface Planned {
  changes: { workload: string; from: string; to: string }[];
  holds: { code: string; slot: string; candidate?: string; message: string }[];
}

describe('rollbacks that stick, against a real registry and git server', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack();
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(stack.registry.url, repository, versionTags(tags));
  });
  after(() => stack.stop());

  const once = async (config: string) => {
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
  };
  const planned = async (config: string): Promise<Planned> => {
    const result = await runCli(['plan', '--config', config, '--json']);
    assert.equal(result.code, 0, result.err);
    return JSON.parse(result.out) as Planned;
  };

  test('a git revert of a bot commit is not undone by the next cycle, nor after the cache is deleted; a newer tag still lands', async () => {
    const bare = createBareRepo(stack.server.root, 'reverted', fleetFiles(stack.registry.host));
    const config = stack.config('reverted');
    await once(config);
    const reverted = revert(bare, git(bare, 'rev-parse', 'main').trim());
    await once(config);
    assert.equal(git(bare, 'rev-parse', 'main').trim(), reverted, 'the revert stands');
    const held = await planned(config);
    assert.deepEqual(held.changes, []);
    assert.deepEqual(held.holds.map((h) => `${h.code} ${h.slot} ${h.candidate}`).sort(), ['tag-rejected default:statefulset/queue queue 2.3.4', 'tag-rejected shop:deployment/web web 1.2.0']);
    assert.match(held.holds[0]!.message, new RegExp(`rejected by Dev <dev@example\\.com> in ${reverted.slice(0, 12)} on \\d{4}-\\d\\d-\\d\\d`));

    dropCache(config);
    await once(config);
    assert.equal(git(bare, 'rev-parse', 'main').trim(), reverted, 'a new clone reads the same history');

    await seedTags(stack.registry.url, 'team/web', versionTags(['1.3.0']));
    await once(config);
    const message = git(bare, 'log', '-1', '--format=%B', 'main');
    assert.match(message, /Tagpilot-Update: shop:deployment\/web web \S+ 1\.0\.0 1\.3\.0 /);
    assert.doesNotMatch(message, /statefulset\/queue/, 'the rejected 2.3.4 stays out');
  });

  test('with tagpilot.io/on-revert: lock nothing lands after a revert, not even a newer tag', async () => {
    const files = fleetFiles(stack.registry.host);
    files['apps/web.yaml'] = files['apps/web.yaml']!.replace('tagpilot.io/automated: "true"', 'tagpilot.io/automated: "true"\n    tagpilot.io/on-revert: lock');
    const bare = createBareRepo(stack.server.root, 'held', files);
    const config = stack.config('held');
    await once(config);
    const reverted = revert(bare, git(bare, 'rev-parse', 'main').trim());
    await seedTags(stack.registry.url, 'team/web', versionTags(['1.4.0']));
    dropCache(config);
    const held = await planned(config);
    assert.deepEqual(
      held.changes.map((c) => c.workload),
      [],
    );
    assert.match(held.holds.find((h) => h.slot === 'shop:deployment/web web')?.message ?? '', /on-revert: lock/);
    await once(config);
    assert.equal(git(bare, 'rev-parse', 'main').trim(), reverted);
  });
});
