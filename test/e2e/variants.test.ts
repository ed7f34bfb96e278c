/**
 * The cases issue 11 opens with, through the real registry and Git: same variant, same precision,
 * no date over a version; `plan --explain` names the reasons the other tags lost.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { runCli } from '../harness/cli.ts';
import { deployment as withAnnotations } from '../harness/manifests.ts';

const deployment = (name: string, image: string, policy: string) => withAnnotations(name, image, { 'tagpilot.io/automated': 'true', 'tagpilot.io/tag.app': policy }, 'app');

describe('tag variants, precision and build numbers through the cycle', () => {
  let stack: Stack;
  let bare: string;
  let config: string;

  before(async () => {
    stack = await startStack();
    const { registry, server } = stack;
    const r = registry.host;
    await seedTags(registry.url, 'library/nginx', versionTags(['1.25.3', '1.25.3-alpine', '1.25.3-alpine3.18', '1.25.3-bookworm', '1.25.4', '1.25.4-alpine', '1.25.4-alpine3.18', '1.25.4-bookworm', '1.27.0', '1.27.0-bookworm', 'mainline-alpine']));
    await seedTags(registry.url, 'library/redis', versionTags(['7', '7.2', '7.2.4', '7.2.5', '7.2.5-alpine', '8', '8.0', '8.0-M02']));
    await seedTags(registry.url, 'team/app', versionTags(['1.4.5', '1.5.0', '2.0.0', '20240215', '3050', '3f2a1b9']));
    bare = createBareRepo(server.root, 'variants', {
      'apps/nginx.yaml': deployment('nginx', `${r}/library/nginx:1.25.3-alpine`, 'semver:^1.25'),
      'apps/redis.yaml': deployment('redis', `${r}/library/redis:7.2.4`, 'major'),
      'apps/app.yaml': deployment('app', `${r}/team/app:1.4.5`, 'major'),
    });
    config = stack.config('variants');
  });

  after(() => stack.stop());

  test('plan --explain names other-variant, other-precision, build-number and commit-hash', async () => {
    const { code, out, err } = await runCli(['plan', '--config', config, '--explain']);
    assert.equal(code, 0, err);
    assert.match(out, /explain: apps\/nginx\.yaml:\d+ default:deployment\/nginx app \S+\/library\/nginx:1\.25\.3-alpine \(semver:\^1\.25\): 1\.25\.4-alpine is the newest/);
    assert.match(out, /\n {2}other-variant +8 +1\.27\.0-bookworm, 1\.27\.0, 1\.25\.4-bookworm, …\n/);
    assert.match(out, /\n {2}other-precision +5 +8\.0-M02, 8\.0, 8, …\n/);
    assert.match(out, /\n {2}build-number +2 +20240215, 3050\n/);
    assert.match(out, /\n {2}commit-hash +1 +3f2a1b9\n/);
  });

  test('plan --json --explain carries the same summary per slot', async () => {
    const { code, out } = await runCli(['plan', '--config', config, '--json', '--explain']);
    assert.equal(code, 0);
    const plan = JSON.parse(out) as { explanations: { subject: string; selected: string; reasons: { reason: string; count: number; tags: string[] }[] }[] };
    const redis = plan.explanations.find((e) => e.subject.includes('redis'));
    assert.equal(redis?.selected, '7.2.5');
    assert.deepEqual(
      redis?.reasons.find((r) => r.reason === 'other-variant'),
      { reason: 'other-variant', count: 1, tags: ['7.2.5-alpine'] },
    );
  });

  test('one cycle moves each slot to the compatible tag', async () => {
    const { code, err } = await runCli(['run', '--once', '--config', config]);
    assert.equal(code, 0, err);
    const image = (file: string) => git(bare, 'show', `main:${file}`).match(/image: \S+\/([^/\s]+\/[^/\s]+)\n/)?.[1];
    assert.deepEqual([image('apps/nginx.yaml'), image('apps/redis.yaml'), image('apps/app.yaml')], ['library/nginx:1.25.4-alpine', 'library/redis:7.2.5', 'team/app:2.0.0']);
  });
});
