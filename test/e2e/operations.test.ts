import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedTags, versionTags } from '../harness/images.ts';
import { git, humanCommit } from '../harness/git-repos.ts';
import { useFleetStack } from '../harness/fleet-stack.ts';
import { planned, runCli } from '../harness/cli.ts';

const ANA = 'Ana <ana@example.com>';

describe('workload operations as commits, against a real registry and git server', () => {
  const stack = useFleetStack('ops');
  const fleet = () => stack.fleet();

  const cli = async (...args: string[]) => {
    const result = await runCli(args);
    assert.equal(result.code, 0, result.err);
    return result.out;
  };
  const show = (bare: string, path: string) => git(bare, 'show', `main:${path}`);
  const LOCK_LINES = (reason: string) => `    tagpilot.io/locked: "true"\n    tagpilot.io/locked-by: "${ANA}"\n    tagpilot.io/locked-reason: "${reason}"\n    tagpilot.io/locked-at: "`;

  test('lock commits the four lock annotations byte-exactly with its trailer; the cycle then leaves the workload alone', async () => {
    const { bare, config, initial } = fleet();
    await cli('lock', 'shop:deployment/web', '--reason', 'incident 4711', '--user', ANA, '--config', config);
    const web = show(bare, 'apps/web.yaml');
    const at = /tagpilot\.io\/locked-at: "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"\n/.exec(web)?.[1];
    assert.ok(at !== undefined && !Number.isNaN(Date.parse(at)), web);
    assert.equal(web.replace(/ {4}tagpilot\.io\/locked[^\n]*\n/g, ''), initial['apps/web.yaml']);
    assert.ok(web.includes(LOCK_LINES('incident 4711')), web);
    const message = git(bare, 'log', '-1', '--format=%an <%ae>%n%B', 'main');
    assert.match(message, /^Ana <ana@example\.com>\ntagpilot lock shop:deployment\/web: incident 4711\n/);
    assert.match(message, /\nTagpilot-Operation: lock shop:deployment\/web - by=Ana%20<ana@example\.com> at=\S+ reason=incident 4711\n/);

    await cli('run', '--once', '--config', config);
    assert.equal(show(bare, 'apps/web.yaml'), web, 'locked: untouched');
    assert.match(show(bare, 'apps/workers.yaml'), /team\/queue:2\.3\.4/, 'the others still move');

    const history = JSON.parse(await cli('history', '--config', config, '--json')) as { operation?: string; workload: string; by?: string; reason?: string }[];
    assert.deepEqual(
      history.filter((e) => e.operation !== undefined).map((e) => `${e.operation} ${e.workload} ${e.by}: ${e.reason}`),
      [`lock shop:deployment/web ${ANA}: incident 4711`],
    );
  });

  test('unlock takes the lock away byte-exactly, and the next cycle moves the workload again', async () => {
    const { bare, config, initial } = fleet();
    await cli('lock', 'shop:deployment/web', '--reason', 'hold', '--user', ANA, '--config', config);
    await cli('unlock', 'shop:deployment/web', '--user', ANA, '--config', config);
    assert.equal(show(bare, 'apps/web.yaml'), initial['apps/web.yaml']);
    assert.match(git(bare, 'log', '-1', '--format=%B', 'main'), /Tagpilot-Operation: unlock shop:deployment\/web - by=/);
    await cli('run', '--once', '--config', config);
    assert.match(show(bare, 'apps/web.yaml'), /team\/web:1\.2\.0/);
  });

  test('a lock of one slot holds that container only', async () => {
    const { bare, config } = fleet();
    await cli('lock', 'shop:deployment/web', '--container', 'web', '--reason', 'pinned', '--user', ANA, '--config', config);
    assert.match(show(bare, 'apps/web.yaml'), /tagpilot\.io\/locked\.web: "true"/);
    const { changes, holds, messages } = await planned(config);
    assert.deepEqual({ changes, holds }, { changes: ['default:statefulset/queue'], holds: ['locked shop:deployment/web web'] });
    assert.match(messages[0] ?? '', /^locked by Ana <ana@example\.com>: pinned \(since /);
  });

  test('a lock pushed while another writer pushes lands after a retry, on top of the other commit', async () => {
    const { bare, config, initial } = fleet();
    let human = '';
    stack.onRequest = ({ method, path }) => {
      if (human === '' && method === 'POST' && path.endsWith('/git-receive-pack')) human = humanCommit(bare, { 'README.md': '# fleet\n', 'apps/web.yaml': initial['apps/web.yaml']!.replace('replicas: 2', 'replicas: 3') }, 'Human: more replicas');
    };
    const result = await runCli(['lock', 'shop:deployment/web', '--reason', 'race', '--user', ANA, '--config', config], { env: { LOG_LEVEL: 'warn' } });
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /recomputing on the new head/);
    assert.equal(git(bare, 'rev-parse', 'main^').trim(), human);
    const web = show(bare, 'apps/web.yaml');
    assert.match(web, /replicas: 3/);
    assert.match(web, /tagpilot\.io\/locked: "true"/);
  });

  test('a rollback sets the previous tag from history and sticks, even without its lock; a newer tag still flows', async () => {
    const { bare, config } = fleet();
    await cli('run', '--once', '--config', config);
    assert.match(show(bare, 'apps/web.yaml'), /team\/web:1\.2\.0/);
    await cli('rollback', 'shop:deployment/web', '--container', 'web', '--no-lock', '--reason', '1.2 breaks checkout', '--user', ANA, '--config', config);
    const web = show(bare, 'apps/web.yaml');
    assert.match(web, /team\/web:1\.0\.0'/);
    assert.doesNotMatch(web, /locked/);
    assert.match(git(bare, 'log', '-1', '--format=%B', 'main'), /Tagpilot-Operation: rollback shop:deployment\/web web by=\S+ at=\S+ image=\S+\/team\/web from=1\.2\.0 to=1\.0\.0 reason=1\.2 breaks checkout/);
    const head = git(bare, 'rev-parse', 'main').trim();
    await cli('run', '--once', '--config', config);
    assert.equal(git(bare, 'rev-parse', 'main').trim(), head, 'the cycle does not undo the rollback');
    await seedTags(stack.registry.url, 'team/web', versionTags(['1.2.5']));
    await cli('run', '--once', '--config', config);
    assert.match(show(bare, 'apps/web.yaml'), /team\/web:1\.2\.5'/, 'a newer tag than the rejected one flows');
  });

  test('release --config sets the image, locks the slot and commits its trailer; the cycle leaves it there', async () => {
    const { bare, config } = fleet();
    await cli('release', '--workload', 'shop:deployment/web', '--image', `${stack.registry.host}/team/web:1.1.0`, '--reason', 'canary', '--user', ANA, '--config', config);
    const web = show(bare, 'apps/web.yaml');
    assert.match(web, /team\/web:1\.1\.0'/);
    assert.match(web, /tagpilot\.io\/locked\.web: "true"/);
    assert.match(git(bare, 'log', '-1', '--format=%B', 'main'), /Tagpilot-Operation: release shop:deployment\/web web by=\S+ at=\S+ image=\S+\/team\/web from=1\.0\.0 to=1\.1\.0 reason=canary/);
    await cli('run', '--once', '--config', config);
    assert.match(show(bare, 'apps/web.yaml'), /team\/web:1\.1\.0'/);
  });
});
