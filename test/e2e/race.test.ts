import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { git, humanCommit, installHook } from '../harness/git-repos.ts';
import { useFleetStack } from '../harness/fleet-stack.ts';
import { runCli } from '../harness/cli.ts';

describe('pushing while people push: the cycle against a real registry and git server', () => {
  const stack = useFleetStack('race');
  /** A fresh fleet repo and a config pointing at it. */
  const fleet = (gitLines = '') => stack.fleet(gitLines);

  /** Makes a human commit on the first push that reaches the server (after our fetch, before our update). */
  function humanPushesFirst(bare: string, files: Record<string, string>): { commit: () => string } {
    let human = '';
    stack.onRequest = ({ method, path }) => {
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
    let firstPush: number | undefined;
    stack.onRequest = ({ method, path }) => {
      if (method !== 'POST' || !path.endsWith('/git-receive-pack')) return;
      firstPush ??= performance.now();
      humanCommit(bare, { 'README.md': `# change ${++n}\n` }, `Human ${n}`);
    };
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 1);
    assert.match(result.err, /cycle failed/);
    assert.equal(n, 2);
    // Timed from the first push, so a slow start under load does not count: the retries are what must be quick.
    assert.ok(performance.now() - (firstPush ?? Number.NaN) < 10_000);
    assert.equal(
      git(bare, 'log', '--format=%an', 'main')
        .split('\n')
        .filter((a) => a === 'tagpilot-bot').length,
      0,
    );
  });

  const countPushes = () => {
    const counter = { pushes: 0 };
    stack.onRequest = ({ method, path }) => {
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
