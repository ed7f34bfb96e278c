import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer, type GitServerOptions } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git, humanCommit, installHook } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles, writeConfig } from '../harness/fleet.ts';
import { runCli } from '../harness/cli.ts';

describe('pushing while people push: the cycle against a real registry and git server', () => {
  let registry: TestRegistry;
  let server: GitServer;
  let work: string;
  let counter = 0;
  let onRequest: GitServerOptions['beforeRequest'];

  before(async () => {
    [registry, server] = await Promise.all([startRegistry(), startGitServer({ beforeRequest: (r) => onRequest?.(r) })]);
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
    work = mkdtempSync(join(tmpdir(), 'tagpilot-race-'));
  });
  afterEach(() => {
    onRequest = undefined;
  });
  after(async () => {
    await Promise.all([registry.stop(), server.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  /** A fresh fleet repo and a config pointing at it. */
  function fleet(extra = ''): { bare: string; config: string; initial: Record<string, string> } {
    const name = `fleet-${++counter}`;
    const initial = fleetFiles(registry.host);
    const bare = createBareRepo(server.root, name, initial);
    const dir = mkdtempSync(join(work, 'cfg-'));
    const config = writeConfig(dir, `git:\n  url: ${server.repoUrl(name)}\n  paths: [apps]\n  author: { name: tagpilot-bot, email: bot@example.com }\n${extra}registries:\n  - host: ${registry.host}\n    insecure: true\ncacheDir: cache\n`);
    return { bare, config, initial };
  }

  /** Makes a human commit on the first push that reaches the server (after our fetch, before our update). */
  function humanPushesFirst(bare: string, files: Record<string, string>): { commit: () => string } {
    let human = '';
    onRequest = ({ method, path }) => {
      if (human === '' && method === 'POST' && path.endsWith('/git-receive-pack')) human = humanCommit(bare, files, 'Human: tune replicas');
    };
    return { commit: () => human };
  }

  test('a human commit landing first: ours is recomputed on top of it, nothing lost, nothing forced', async () => {
    const { bare, config, initial } = fleet();
    const edited = initial['apps/web.yaml']!.replace('replicas: 2', 'replicas: 3');
    const race = humanPushesFirst(bare, { 'apps/web.yaml': edited, 'README.md': '# fleet, by a human\n' });
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /lost the push race; recomputing on the new head/);
    assert.equal(git(bare, 'rev-parse', 'main^').trim(), race.commit());
    assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '3');
    assert.equal(git(bare, 'show', 'main:apps/web.yaml'), edited.replace('team/web:1.0.0', 'team/web:1.2.0'));
    assert.equal(git(bare, 'show', 'main:README.md'), '# fleet, by a human\n');
  });

  test('a branch that keeps moving fails the cycle after the configured attempts, within seconds', async () => {
    const { bare, config } = fleet('  pushAttempts: 2\n');
    let n = 0;
    onRequest = ({ method, path }) => {
      if (method === 'POST' && path.endsWith('/git-receive-pack')) humanCommit(bare, { 'README.md': `# change ${++n}\n` }, `Human ${n}`);
    };
    const started = performance.now();
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 1);
    assert.match(result.err, /cycle failed/);
    assert.equal(n, 2);
    assert.ok(performance.now() - started < 10_000);
    assert.equal(
      git(bare, 'log', '--format=%an', 'main')
        .split('\n')
        .filter((a) => a === 'tagpilot-bot').length,
      0,
    );
  });

  const countPushes = () => {
    const counter = { pushes: 0 };
    onRequest = ({ method, path }) => {
      if (method === 'POST' && path.endsWith('/git-receive-pack')) counter.pushes++;
    };
    return counter;
  };

  test('a push a hook keeps refusing fails the cycle with the hook’s words after the configured attempts', async () => {
    const { bare, config } = fleet('  pushAttempts: 2\n');
    installHook(bare, 'pre-receive', 'echo "main is frozen until Monday" >&2\nexit 1');
    const before = git(bare, 'rev-parse', 'main');
    const counter = countPushes();
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 1);
    assert.match(result.err, /pre-receive hook declined/);
    assert.match(result.err, /main is frozen until Monday/);
    assert.equal(counter.pushes, 2);
    assert.equal(git(bare, 'rev-parse', 'main'), before);
  });

  test('a push a hook refuses once lands on the retry', async () => {
    const { bare, config } = fleet();
    const marker = join(bare, 'refused-once');
    installHook(bare, 'pre-receive', `if [ ! -e ${marker} ]; then touch ${marker}; echo "maintenance, try again" >&2; exit 1; fi\nexit 0`);
    const counter = countPushes();
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
    assert.equal(counter.pushes, 2);
    assert.equal(git(bare, 'log', '-1', '--format=%an', 'main').trim(), 'tagpilot-bot');
  });
});
