import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles, writeConfig } from '../harness/fleet.ts';
import { runCli } from '../harness/cli.ts';

const ANA = 'Ana <ana@example.com>';

/**
 * The verbs the first e2e file does not commit to a remote (automate, deautomate, policy set),
 * `--automation` on a config with several, and the cache: each against the real registry and Git
 * server, each change byte-exact with its trailer and in `history`.
 */
describe('operations through --config, against a real registry and git server', () => {
  let registry: TestRegistry;
  let server: GitServer;
  let work: string;
  let counter = 0;

  before(async () => {
    [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
    work = mkdtempSync(join(tmpdir(), 'tagpilot-ops-remote-'));
  });
  after(async () => {
    await Promise.all([registry.stop(), server.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  const common = () => `registries:\n  - host: ${registry.host}\n    insecure: true\ncacheDir: cache\n`;
  const gitSection = (name: string, indent = '') => `${indent}git:\n${indent}  url: ${server.repoUrl(name)}\n${indent}  paths: [apps]\n${indent}  author: { name: tagpilot-bot, email: bot@example.com }\n`;

  function repo(files?: Record<string, string>): { name: string; bare: string; initial: Record<string, string> } {
    const name = `opsr-${++counter}`;
    const initial = files ?? fleetFiles(registry.host);
    return { name, bare: createBareRepo(server.root, name, initial), initial };
  }
  function fleet(): { bare: string; config: string; dir: string; initial: Record<string, string> } {
    const { name, bare, initial } = repo();
    const dir = mkdtempSync(join(work, 'cfg-'));
    return { bare, dir, config: writeConfig(dir, `${gitSection(name)}${common()}`), initial };
  }

  const cli = async (...args: string[]) => {
    const result = await runCli(args);
    assert.equal(result.code, 0, result.err);
    return result;
  };
  const show = (bare: string, path: string) => git(bare, 'show', `main:${path}`);
  const lastMessage = (bare: string) => git(bare, 'log', '-1', '--format=%an <%ae>%n%B', 'main');
  const operations = async (config: string, ...more: string[]) =>
    (JSON.parse((await cli('history', '--config', config, ...more, '--json')).out) as { operation?: string; workload: string; container?: string; by?: string; policy?: string }[])
      .filter((e) => e.operation !== undefined)
      .map((e) => `${e.operation} ${e.workload}${e.container === undefined ? '' : ` ${e.container}`} ${e.by}${e.policy === undefined ? '' : ` ${e.policy}`}`);

  test('automate commits tagpilot.io/automated byte-exactly with its trailer; history shows it', async () => {
    const { bare, config, initial } = fleet();
    await cli('automate', 'default:deployment/legacy', '--reason', 'onboard legacy', '--user', ANA, '--config', config);
    const expected = initial['apps/workers.yaml']!.replace('  name: legacy\n', '  name: legacy\n  annotations:\n    tagpilot.io/automated: "true"\n');
    assert.equal(show(bare, 'apps/workers.yaml'), expected);
    assert.equal(show(bare, 'apps/web.yaml'), initial['apps/web.yaml'], 'no other file touched');
    const message = lastMessage(bare);
    assert.match(message, /^Ana <ana@example\.com>\ntagpilot automate default:deployment\/legacy: onboard legacy\n/);
    assert.match(message, /\nTagpilot-Operation: automate default:deployment\/legacy - by=Ana%20<ana@example\.com> at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ reason=onboard legacy\n/);
    assert.deepEqual(await operations(config), [`automate default:deployment/legacy ${ANA}`]);
  });

  test('deautomate removes tagpilot.io/automated byte-exactly with its trailer; the cycle then leaves the workload alone', async () => {
    const { bare, config, initial } = fleet();
    await cli('deautomate', 'shop:deployment/web', '--reason', 'moving to Helm', '--user', ANA, '--config', config);
    assert.equal(show(bare, 'apps/web.yaml'), initial['apps/web.yaml']!.replace('    tagpilot.io/automated: "true"\n', ''));
    assert.match(lastMessage(bare), /\nTagpilot-Operation: deautomate shop:deployment\/web - by=Ana%20<ana@example\.com> at=\S+ reason=moving to Helm\n/);
    await cli('run', '--once', '--config', config);
    assert.match(show(bare, 'apps/web.yaml'), /team\/web:1\.0\.0'/, 'not automated: untouched');
    assert.match(show(bare, 'apps/workers.yaml'), /team\/queue:2\.3\.4/, 'the others still move');
    assert.deepEqual(await operations(config), [`deautomate shop:deployment/web ${ANA}`]);
  });

  test('policy set writes the slot policy byte-exactly with its trailer; the next cycle follows it', async () => {
    const { bare, config, initial } = fleet();
    await cli('policy', 'set', 'shop:deployment/web', 'web', 'semver:^2', '--reason', 'major 2 is out', '--user', ANA, '--config', config);
    assert.equal(show(bare, 'apps/web.yaml'), initial['apps/web.yaml']!.replace('tagpilot.io/tag.web: semver:^1.0.0', 'tagpilot.io/tag.web: "semver:^2"'));
    assert.match(lastMessage(bare), /\nTagpilot-Operation: policy-set shop:deployment\/web web by=Ana%20<ana@example\.com> at=\S+ policy=semver:\^2 reason=major 2 is out\n/);
    assert.deepEqual(await operations(config), [`policy-set shop:deployment/web web ${ANA} semver:^2`]);
    await cli('run', '--once', '--config', config);
    assert.match(show(bare, 'apps/web.yaml'), /team\/web:2\.0\.0'/);
  });

  test('every verb is one commit with its trailer, and history lists each, newest first; release and rollback are byte-exact', async () => {
    const { bare, config, initial } = fleet();
    const web = initial['apps/web.yaml']!;
    await cli('release', '--workload', 'shop:deployment/web', '--container', 'web', '--image', `${registry.host}/team/web:1.1.0`, '--no-lock', '--reason', 'canary', '--user', ANA, '--config', config);
    assert.equal(show(bare, 'apps/web.yaml'), web.replace("team/web:1.0.0'", "team/web:1.1.0'"));
    await cli('rollback', 'shop:deployment/web', '--container', 'web', '--no-lock', '--reason', 'canary failed', '--user', ANA, '--config', config);
    assert.equal(show(bare, 'apps/web.yaml'), web, 'rolled back to exactly what it was');
    await cli('lock', 'shop:deployment/web', '--reason', 'hold', '--user', ANA, '--config', config);
    await cli('unlock', 'shop:deployment/web', '--user', ANA, '--config', config);
    assert.equal(show(bare, 'apps/web.yaml'), web);
    await cli('freeze', '--until', '2099-01-01', '--reason', 'audit', '--user', ANA, '--config', config);
    await cli('unfreeze', '--reason', 'audit done', '--user', ANA, '--config', config);
    assert.doesNotMatch(show(bare, 'apps/.tagpilot.yaml'), /window:/);
    await cli('deautomate', 'shop:deployment/web', '--user', ANA, '--config', config);
    await cli('automate', 'shop:deployment/web', '--user', ANA, '--config', config);
    await cli('policy', 'set', 'shop:deployment/web', 'web', 'semver:~1.0', '--user', ANA, '--config', config);
    // automate after deautomate writes the annotation anew, at the end of the annotations.
    assert.equal(show(bare, 'apps/web.yaml'), web.replace('    tagpilot.io/automated: "true"\n    tagpilot.io/tag.web: semver:^1.0.0\n', '    tagpilot.io/tag.web: "semver:~1.0"\n    tagpilot.io/automated: "true"\n'));
    assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '10', 'one commit per verb');
    assert.deepEqual(await operations(config), [
      `policy-set shop:deployment/web web ${ANA} semver:~1.0`,
      `automate shop:deployment/web ${ANA}`,
      `deautomate shop:deployment/web ${ANA}`,
      `unfreeze apps/.tagpilot.yaml ${ANA}`,
      `freeze apps/.tagpilot.yaml ${ANA}`,
      `unlock shop:deployment/web ${ANA}`,
      `lock shop:deployment/web ${ANA}`,
      `rollback shop:deployment/web web ${ANA}`,
      `release shop:deployment/web web ${ANA}`,
    ]);
  });

  test('deleting the cache changes none of the outcomes: the lock, the rollback and the freeze still hold, and history reads the same', async () => {
    const { bare, config, dir } = fleet();
    await cli('run', '--once', '--config', config);
    await cli('rollback', 'shop:deployment/web', '--container', 'web', '--no-lock', '--reason', '1.2 breaks checkout', '--user', ANA, '--config', config);
    await cli('lock', 'default:statefulset/queue', '--reason', 'incident', '--user', ANA, '--config', config);
    await cli('freeze', '--until', '2099-01-01', '--reason', 'release weekend', '--user', ANA, '--config', config);
    const planOf = async () => {
      const planned = JSON.parse((await cli('plan', '--config', config, '--json')).out) as { changes: unknown[]; holds: { code: string; slot: string; candidate?: string }[] };
      return { changes: planned.changes, holds: planned.holds.map((h) => `${h.code} ${h.slot} ${h.candidate ?? '-'}`).sort() };
    };
    const before = { plan: await planOf(), history: await operations(config) };
    const head = git(bare, 'rev-parse', 'main').trim();
    rmSync(join(dir, 'cache'), { recursive: true, force: true });
    assert.deepEqual({ plan: await planOf(), history: await operations(config) }, before);
    await cli('run', '--once', '--config', config);
    assert.equal(git(bare, 'rev-parse', 'main').trim(), head, 'nothing lands after the cache is gone');
    assert.deepEqual(before.plan.changes, []);
    assert.ok(before.plan.holds.includes('locked default:statefulset/queue queue -'), before.plan.holds.join('\n'));
  });

  test('plan says why each slot stays, in the table and in --json: a new major out of range of the policy', async () => {
    const { config } = fleet();
    await cli('run', '--once', '--config', config);
    const table = (await cli('plan', '--config', config)).out;
    assert.match(table, /Held: 2 slot\(s\)\n/);
    assert.match(table, /\nout-of-range +apps\/web\.yaml:\d+ shop:deployment\/web web +2\.0\.0 +2\.0\.0 is out of range of semver:\^1\.0\.0: widen the policy to take it\n/);
    assert.match(table, /\nout-of-range +apps\/workers\.yaml:\d+ default:statefulset\/queue queue +2\.4\.0 +2\.4\.0 is out of range of semver:~2\.3/);
    const json = JSON.parse((await cli('plan', '--config', config, '--json')).out) as { holds: { code: string; slot: string; candidate: string }[]; slots: { workload?: string; current: string; candidate?: string; hold?: { kind: string; code: string } }[] };
    assert.deepEqual(
      json.holds.map((h) => `${h.code} ${h.slot} ${h.candidate}`),
      ['out-of-range shop:deployment/web web 2.0.0', 'out-of-range default:statefulset/queue queue 2.4.0'],
    );
    assert.deepEqual(
      json.slots.map((s) => `${s.workload} ${s.current} ${s.candidate ?? '-'} ${s.hold?.kind ?? '-'}`),
      ['shop:deployment/web 1.2.0 2.0.0 out-of-range', 'default:statefulset/queue 2.3.4 2.4.0 out-of-range'],
    );
  });

  describe('a config with several automations', () => {
    function two(): { config: string; a: ReturnType<typeof repo>; b: ReturnType<typeof repo> } {
      const a = repo();
      const b = repo({ 'apps/workers.yaml': fleetFiles(registry.host)['apps/workers.yaml']! });
      const dir = mkdtempSync(join(work, 'cfg-'));
      const config = writeConfig(dir, `automations:\n  - name: shop\n${gitSection(a.name, '    ')}  - name: workers\n${gitSection(b.name, '    ')}${common()}`);
      return { config, a, b };
    }

    test('without --automation, the only automation whose paths hold the workload is taken, and the verb says so', async () => {
      const { config, a, b } = two();
      const bHead = git(b.bare, 'rev-parse', 'main').trim();
      const result = await cli('lock', 'shop:deployment/web', '--reason', 'incident', '--user', ANA, '--config', config);
      assert.match(result.err, /shop:deployment\/web is in automation shop \(the only one of shop, workers whose paths hold it\)/);
      assert.match(show(a.bare, 'apps/web.yaml'), /tagpilot\.io\/locked: "true"/);
      assert.equal(git(b.bare, 'rev-parse', 'main').trim(), bHead, 'the other repository is untouched');
    });

    test('--automation commits to the automation named', async () => {
      const { config, a, b } = two();
      const aHead = git(a.bare, 'rev-parse', 'main').trim();
      await cli('lock', 'default:statefulset/queue', '--automation', 'workers', '--reason', 'incident', '--user', ANA, '--config', config);
      assert.match(show(b.bare, 'apps/workers.yaml'), /tagpilot\.io\/locked: "true"/);
      assert.equal(git(a.bare, 'rev-parse', 'main').trim(), aHead);
      assert.deepEqual(await operations(config, '--automation', 'workers'), [`lock default:statefulset/queue ${ANA}`]);
    });

    const refusals: { name: string; args: (config: string) => string[]; code: number; err: RegExp }[] = [
      { name: 'a workload in the paths of both', args: (c) => ['lock', 'default:statefulset/queue', '--reason', 'x', '--config', c], code: 2, err: /default:statefulset\/queue is in the paths of several automations \(shop, workers\): name one with --automation NAME/ },
      { name: 'a workload in neither', args: (c) => ['unlock', 'shop:deployment/nope', '--config', c], code: 1, err: /no automation of .* \(shop, workers\) holds shop:deployment\/nope/ },
      { name: 'an unknown --automation', args: (c) => ['automate', 'shop:deployment/web', '--automation', 'shopp', '--config', c], code: 2, err: /no automation named "shopp" \(it has shop, workers\)/ },
      { name: 'freeze without --automation', args: (c) => ['freeze', '--until', '2099-01-01', '--reason', 'x', '--config', c], code: 2, err: /has 2 automations \(shop, workers\): name the one to work on with --automation NAME/ },
      { name: 'release to an unknown --automation', args: (c) => ['release', '--workload', 'shop:deployment/web', '--image', `${registry.host}/team/web:1.1.0`, '--automation', 'nope', '--config', c], code: 2, err: /no automation named "nope"/ },
    ];
    for (const r of refusals) {
      test(`${r.name}: exit ${r.code}, the automations named, nothing committed`, async () => {
        const { config, a, b } = two();
        const heads = [a, b].map((x) => git(x.bare, 'rev-parse', 'main').trim());
        const result = await runCli([...r.args(config), '--user', ANA]);
        assert.equal(result.code, r.code, result.err);
        assert.match(result.err, r.err);
        assert.deepEqual(
          [a, b].map((x) => git(x.bare, 'rev-parse', 'main').trim()),
          heads,
        );
      });
    }
  });
});
