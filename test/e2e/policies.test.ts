import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { runCli } from '../harness/cli.ts';
import { deployment as withAnnotations } from '../harness/manifests.ts';

const deployment = (name: string, image: string, annotations: Record<string, string>) => withAnnotations(name, image, annotations, 'app');

const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, minutes));

describe('the cycle applies every policy kind through the real registry', () => {
  let stack: Stack;
  let bare: string;
  let initial: Record<string, string>;
  let stableDigest: string;

  before(async () => {
    stack = await startStack();
    const { registry, server } = stack;
    const r = registry.host;
    // Build order differs from name order: only build time can pick main-mmm.
    await seedTags(registry.url, 'team/build', [
      { tag: 'main-zzz', created: at(1) },
      { tag: 'main-mmm', created: at(9) },
      { tag: 'main-aaa', created: at(5) },
      { tag: 'dev-xxx', created: at(20) },
    ]);
    await seedTags(registry.url, 'team/rel', versionTags(['1.2.3', '1.2.9', '1.4.0', '2.0.0']));
    await seedTags(registry.url, 'team/keel', versionTags(['3.1.0', '3.1.4', '3.2.0']));
    await seedTags(registry.url, 'team/flux', versionTags(['1.0.0', '1.0.7', '1.1.0']));
    const digests = await seedTags(registry.url, 'team/pinned', [{ tag: 'stable', created: at(30) }]);
    stableDigest = digests.get('stable')!;
    initial = {
      'apps/build.yaml': deployment('build', `${r}/team/build:main-zzz`, { 'tagpilot.io/automated': 'true', 'tagpilot.io/tag.app': 'glob:main-*' }),
      'apps/rel.yaml': deployment('rel', `${r}/team/rel:1.2.3`, { 'tagpilot.io/automated': 'true', 'tagpilot.io/tag.app': 'minor' }),
      'apps/keel.yaml': deployment('keel', `${r}/team/keel:3.1.0`, { 'keel.sh/policy': 'patch' }),
      'apps/flux.yaml': deployment('flux', `${r}/team/flux:1.0.0`, { 'fluxcd.io/automated': 'true', 'fluxcd.io/tag.app': 'semver:~1.0' }),
      'apps/locked.yaml': deployment('locked', `${r}/team/rel:1.2.3`, {
        'tagpilot.io/automated': 'true',
        'tagpilot.io/tag.app': 'semver:^1',
        'tagpilot.io/locked': 'true',
        'tagpilot.io/locked-by': 'ana',
        'tagpilot.io/locked-reason': 'incident 42: rolled back',
      }),
      'apps/pinned.yaml': deployment('pinned', `${r}/team/pinned:stable@sha256:${'0'.repeat(64)}`, { 'tagpilot.io/automated': 'true', 'tagpilot.io/tag.app': 'digest:stable' }),
    };
    bare = createBareRepo(server.root, 'policies', initial);
    const result = await runCli(['run', '--once', '--config', stack.config('policies')]);
    assert.equal(result.code, 0, result.err);
  });

  after(() => stack.stop());

  const image = (file: string) =>
    git(bare, 'show', `main:${file}`)
      .match(/image: (\S+)/)![1]!
      .replace(/^[^/]+\//, '');

  test('glob picks the newest build, not the highest name', () => assert.equal(image('apps/build.yaml'), 'team/build:main-mmm'));
  test('minor stays inside the current major, past newer patches', () => assert.equal(image('apps/rel.yaml'), 'team/rel:1.4.0'));
  test("Keel's keel.sh/policy works unchanged", () => assert.equal(image('apps/keel.yaml'), 'team/keel:3.1.4'));
  test('Flux v1 annotations work unchanged', () => assert.equal(image('apps/flux.yaml'), 'team/flux:1.0.7'));
  test('a locked workload is left as it is', () => assert.equal(git(bare, 'show', 'main:apps/locked.yaml'), initial['apps/locked.yaml']));
  test('digest:<tag> pins the digest the tag points to now', () => assert.equal(image('apps/pinned.yaml'), `team/pinned:stable@${stableDigest}`));
});
