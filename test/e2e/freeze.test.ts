import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import { runCycle } from '../../src/automation/index.ts';
import { GitRepo } from '../../src/git/index.ts';
import { RegistryClient } from '../../src/registry/index.ts';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git, humanCommit } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles } from '../harness/fleet.ts';
import { planned, runCli } from '../harness/cli.ts';

const ANA = 'Ana <ana@example.com>';

describe('freeze windows, against a real registry and git server', () => {
  let stack: Stack;
  let counter = 0;

  before(async () => {
    stack = await startStack();
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(stack.registry.url, repository, versionTags(tags));
  });
  after(() => stack.stop());

  const cli = async (...args: string[]) => {
    const result = await runCli(args);
    assert.equal(result.code, 0, result.err);
    return result.out;
  };

  test('freeze --until commits .tagpilot.yaml with its trailer; nothing lands while it holds; unfreeze ends it and the next cycle lands', async () => {
    const bare = createBareRepo(stack.server.root, 'frozen', fleetFiles(stack.registry.host));
    const config = stack.config('frozen');
    const until = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await cli('freeze', '--until', until, '--reason', 'release weekend', '--user', ANA, '--config', config);
    const settings = git(bare, 'show', 'main:apps/.tagpilot.yaml');
    assert.match(settings, new RegExp(`^# tagpilot repository settings[^\\n]*\\n\\nfreeze:\\n  - window: \\S+ \\.\\. ${until}\\n    reason: release weekend\\n    by: ${ANA}\\n    at: \\S+\\n$`));
    assert.match(git(bare, 'log', '-1', '--format=%B', 'main'), new RegExp(`Tagpilot-Operation: freeze apps/\\.tagpilot\\.yaml - by=\\S+ at=\\S+ until=${until} reason=release weekend`));

    const head = git(bare, 'rev-parse', 'main').trim();
    const planned = JSON.parse(await cli('plan', '--config', config, '--json')) as { changes: unknown[]; holds: { code: string; message: string }[] };
    assert.deepEqual(planned.changes, []);
    assert.deepEqual(new Set(planned.holds.map((h) => h.code)), new Set(['frozen']));
    assert.match(planned.holds[0]!.message, new RegExp(`frozen until ${until.replace('Z', '.000Z')} \\(.* \\.\\. .*, apps/\\.tagpilot\\.yaml\\)`));
    await cli('run', '--once', '--config', config);
    assert.equal(git(bare, 'rev-parse', 'main').trim(), head);

    await cli('unfreeze', '--reason', 'done', '--user', ANA, '--config', config);
    assert.doesNotMatch(git(bare, 'show', 'main:apps/.tagpilot.yaml'), /- window:/);
    await cli('run', '--once', '--config', config);
    assert.match(git(bare, 'show', 'main:apps/web.yaml'), /team\/web:1\.2\.0/);
  });

  test('a recurring window with a time zone holds and then releases, the clock injected', async () => {
    const name = `clock-${++counter}`;
    const files = fleetFiles(stack.registry.host);
    const bare = createBareRepo(stack.server.root, name, files);
    humanCommit(bare, { 'apps/.tagpilot.yaml': 'freeze:\n  - Fri 16:00-Mon 08:00 Europe/Berlin\n' }, 'No weekend deploys');
    const dir = join(stack.work, name);
    const deps = (now: string) => ({
      repo: GitRepo.forRemote(join(dir, 'git'), { url: stack.server.repoUrl(name), branch: 'main' }),
      tags: new RegistryClient({ registries: [{ host: stack.registry.host, insecure: true }], cacheDir: dir }),
      branch: 'main',
      paths: ['apps'],
      author: { name: 'tagpilot-bot', email: 'bot@example.com' },
      log: pino({ level: 'silent' }),
      now: () => new Date(now),
    });
    // Saturday noon in Berlin: frozen until Monday 08:00 Berlin (07:00 UTC in winter).
    const held = await runCycle(deps('2026-12-05T11:00:00Z'));
    assert.equal(held.commit, undefined);
    assert.deepEqual([...new Set(held.holds.map((h) => `${h.code} ${h.until}`))], ['frozen 2026-12-07T07:00:00.000Z']);
    // Monday 09:00 Berlin: released.
    const released = await runCycle(deps('2026-12-07T08:00:00Z'));
    assert.ok(released.commit);
    assert.match(git(bare, 'show', 'main:apps/web.yaml'), /team\/web:1\.2\.0/);
  });

  test('a workload annotation tagpilot.io/freeze holds that workload only', async () => {
    const files = fleetFiles(stack.registry.host);
    files['apps/web.yaml'] = files['apps/web.yaml']!.replace('tagpilot.io/automated: "true"', `tagpilot.io/automated: "true"\n    tagpilot.io/freeze: "2020-01-01 .. 2999-01-01"`);
    createBareRepo(stack.server.root, 'annotated', files);
    const config = stack.config('annotated');
    const { changes, holds, messages } = await planned(config);
    assert.deepEqual({ changes, holds }, { changes: ['default:statefulset/queue'], holds: ['frozen shop:deployment/web web'] });
    assert.match(messages[0] ?? '', /tagpilot\.io\/freeze on shop:deployment\/web/);
  });
});
