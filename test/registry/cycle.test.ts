import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo } from '../harness/git-repos.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { automated as deployment } from '../harness/manifests.ts';
import { plan } from '../../src/automation/cycle.ts';
import { GitRepo } from '../../src/git/repo.ts';
import { tempDir, testClient } from './helpers.ts';

describe('the cycle asks the registry client, and a bad registry stays its own problem', () => {
  let good: TestRegistry;
  let bad: FaultProxy;
  let server: GitServer;
  const cache = tempDir('cycle');

  before(async () => {
    [good, server] = await Promise.all([startRegistry(), startGitServer()]);
    await seedTags(good.url, 'team/web', versionTags(['1.0.0', '1.1.0']));
    // A registry that rate-limits for an hour: its images fail at once instead of stalling the cycle.
    bad = await FaultProxy.start({ upstream: good.url });
    bad.inject(/./, ...Array.from({ length: 10 }, () => ({ status: 429, headers: { 'retry-after': '3600' } })));
    createBareRepo(server.root, 'fleet', {
      'apps/web.yaml': deployment('web', `${good.host}/team/web:1.0.0`, 'semver:^1.0.0'),
      'apps/web-again.yaml': deployment('again', `${good.host}/team/web:1.0.0`, 'semver:^1.0.0'),
      'apps/other.yaml': deployment('other', `${bad.host}/team/web:1.0.0`, 'semver:^1.0.0'),
    });
  });

  after(async () => {
    await Promise.all([good.stop(), server.stop(), bad.stop()]);
    cache.remove();
  });

  test('changes from the good registry, a problem naming the bad one, each repository asked once', async () => {
    const registry = testClient([good.host, bad.host]);
    const deps = {
      repo: GitRepo.forRemote(cache.path, { url: server.repoUrl('fleet'), branch: 'main' }),
      tags: registry,
      branch: 'main',
      paths: ['apps'],
      author: { name: 'tagpilot', email: 'bot@example.com' },
      log: pino({ level: 'silent' }),
    };
    const result = await plan(deps);
    assert.deepEqual(result.changes.map((c) => `${c.workload} ${c.from}→${c.to}`).sort(), ['default:deployment/again 1.0.0→1.1.0', 'default:deployment/web 1.0.0→1.1.0']);
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]!.message, new RegExp(`${bad.host}/team/web: .*429 \\(rate limited\\); it asks to retry after 3600s`));
    assert.equal(registry.stats().byKind.tags, 2, 'one tag list per repository, not per slot');
    await registry.close();
  });
});
