import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { writeConfig } from '../harness/fleet.ts';
import { closedPort } from '../harness/ports.ts';
import { automated } from '../harness/manifests.ts';
import { runCli } from '../harness/cli.ts';

describe('failures are reported and contained', () => {
  let stack: Stack;
  let deadRegistry: string;

  before(async () => {
    stack = await startStack();
    await seedTags(stack.registry.url, 'team/up', versionTags(['1.0.0', '1.1.0']));
    deadRegistry = `127.0.0.1:${await closedPort()}`;
  });

  after(() => stack.stop());

  const configFor = (url: string) => writeConfig(stack.work, `git:\n  url: ${url}\nregistries:\n  - { host: "${stack.registry.host}", insecure: true }\n  - { host: "${deadRegistry}", insecure: true }\ncacheDir: cache-${Math.random()}\n`);

  const mixedRepo = (name: string) =>
    createBareRepo(stack.server.root, name, {
      'up.yaml': automated('up', `${stack.registry.host}/team/up:1.0.0`, 'semver:^1'),
      'down.yaml': automated('down', `${deadRegistry}/team/down:1.0.0`, 'semver:^1'),
    });

  test('an unreachable registry is reported by image, does not block the others, and the cycle exits 0', async () => {
    const bare = mixedRepo('mixed');
    const result = await runCli(['run', '--once', '--config', configFor(stack.server.repoUrl('mixed'))]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, new RegExp(`down\\.yaml:\\d+ default:deployment/down.*${deadRegistry}/team/down: cannot reach registry at ${deadRegistry}: ECONNREFUSED \\(after \\d attempts\\)`));
    assert.match(git(bare, 'show', 'main:up.yaml'), /team\/up:1\.1\.0/);
    assert.match(git(bare, 'show', 'main:down.yaml'), /team\/down:1\.0\.0/);
  });

  test('with --strict, the same cycle still commits the rest but exits 1', async () => {
    const bare = mixedRepo('mixed-strict');
    const result = await runCli(['run', '--once', '--strict', '--config', configFor(stack.server.repoUrl('mixed-strict'))]);
    assert.equal(result.code, 1, result.err);
    assert.match(git(bare, 'show', 'main:up.yaml'), /team\/up:1\.1\.0/);
  });

  test('plan reports the problem and exits 0; with --strict it exits 1', async () => {
    mixedRepo('mixed-plan');
    const config = configFor(stack.server.repoUrl('mixed-plan'));
    const [plain, strict] = [await runCli(['plan', '--config', config]), await runCli(['plan', '--strict', '--config', config])];
    assert.deepEqual([plain.code, strict.code], [0, 1]);
    assert.match(plain.out, /1 change\(s\)[\s\S]*problem: .*team\/down: cannot reach registry/);
  });

  test('an invalid config exits 2 with the file and field named', async () => {
    const path = writeConfig(stack.work, 'git:\n  url: not-a-url\n');
    const result = await runCli(['run', '--once', '--config', path]);
    assert.equal(result.code, 2);
    assert.match(result.err, /tagpilot\.yaml: invalid config:\n {2}git\.url: must be an http\(s\):\/\/, ssh:\/\/ or user@host:path URL\n$/);
  });

  test('an unreachable git server fails the cycle with the URL in the error', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/fleet.git`;
    const result = await runCli(['run', '--once', '--config', configFor(url)]);
    assert.equal(result.code, 1);
    assert.ok(result.err.includes(`${url}/info/refs: connect ECONNREFUSED`), result.err);
  });

  test('a config file that does not exist exits 2 and names it', async () => {
    const result = await runCli(['plan', '--config', join(stack.work, 'missing.yaml')]);
    assert.equal(result.code, 2);
    assert.match(result.err, /missing\.yaml: cannot read config: ENOENT/);
  });
});
