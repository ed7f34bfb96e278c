import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles } from '../harness/fleet.ts';
import { runCli } from '../harness/cli.ts';

describe('one cycle against a real registry and git server', () => {
  let stack: Stack;
  let bare: string;
  let config: string;
  let initial: Record<string, string>;

  before(async () => {
    stack = await startStack();
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(stack.registry.url, repository, versionTags(tags));
    initial = fleetFiles(stack.registry.host);
    bare = createBareRepo(stack.server.root, 'fleet', initial);
    config = stack.config('fleet');
  });

  after(() => stack.stop());

  const show = (path: string) => git(bare, 'show', `main:${path}`);

  test('plan lists the changes without committing', async () => {
    const before = git(bare, 'rev-parse', 'main');
    const result = await runCli(['plan', '--config', config, '--json']);
    assert.equal(result.code, 0, result.err);
    const planned = JSON.parse(result.out) as { changes: { workload: string; from: string; to: string }[] };
    assert.deepEqual(
      planned.changes.map((c) => `${c.workload} ${c.from}→${c.to}`),
      ['shop:deployment/web 1.0.0→1.2.0', 'default:statefulset/queue 2.3.0→2.3.4'],
    );
    assert.equal(git(bare, 'rev-parse', 'main'), before);
  });

  test('run --once pushes one commit that changes only the tag bytes', async () => {
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
    assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '2');
    assert.equal(show('apps/web.yaml'), initial['apps/web.yaml']!.replace('team/web:1.0.0', 'team/web:1.2.0'));
    assert.equal(show('apps/workers.yaml'), initial['apps/workers.yaml']!.replace('team/queue:2.3.0', 'team/queue:2.3.4'));
  });

  test('the commit says who, what, from which tag to which, under which policy', () => {
    const message = git(bare, 'log', '-1', '--format=%an <%ae>%n%B', 'main');
    assert.match(message, /^tagpilot-bot <bot@example\.com>\ntagpilot: update 2 images in 2 workloads\n/);
    assert.match(message, /apps\/web\.yaml:\d+ shop:deployment\/web container web: 127\.0\.0\.1:\d+\/team\/web 1\.0\.0 → 1\.2\.0 \(semver:\^1\.0\.0\)/);
    assert.match(message, /Tagpilot-Update: shop:deployment\/web web 127\.0\.0\.1:\d+\/team\/web 1\.0\.0 1\.2\.0/);
  });

  test('a workload without annotations and a container without a policy stay untouched', () => {
    assert.match(show('apps/workers.yaml'), /name: legacy\n[\s\S]*team\/web:1\.0\.0\n$/);
    assert.match(show('apps/web.yaml'), /team\/proxy:3\.1\.0/);
  });

  test('a second run with nothing new makes no commit', async () => {
    const head = git(bare, 'rev-parse', 'main');
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
    assert.equal(git(bare, 'rev-parse', 'main'), head);
  });

  test('a new tag in the registry is picked up by the next cycle', async () => {
    await seedTags(stack.registry.url, 'team/web', versionTags(['1.3.0']));
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
    assert.match(show('apps/web.yaml'), /team\/web:1\.3\.0' {3}# bumped by tagpilot\n\n/);
  });

  test('on a terminal the cycle logs for people, one summary line with the counts, and still commits', async () => {
    await seedTags(stack.registry.url, 'team/web', versionTags(['1.4.0']));
    const result = await runCli(['run', '--once', '--config', config], { env: { LOG_LEVEL: 'info' }, tty: { err: true } });
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] .*INFO.*: .*cycle: committed.*"changes":1,"problems":\{\},"locked":0/m);
    assert.doesNotMatch(result.err, /^\{/m, 'no JSON lines');
    assert.match(show('apps/web.yaml'), /team\/web:1\.4\.0'/);
  });
});
