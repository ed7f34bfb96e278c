import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../../src/cli/io.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { htpasswdConfig, startRegistry, type TestRegistry } from '../harness/registry.ts';
import { tempDir } from '../registry/helpers.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { runCli } from '../harness/cli.ts';

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return runCli(['images', ...args], { env });
}

describe('tagpilot images', () => {
  let registry: TestRegistry;

  before(async () => {
    registry = await startRegistry();
    await seedTags(registry.url, 'team/web', versionTags(['1.0.0', '1.2.0', '1.10.0', '2.0.0', 'latest']));
  });

  after(() => registry.stop());

  test('lists tags newest first by the policy, the selected one marked', async () => {
    const result = await run([`${registry.host}/team/web:1.0.0`, '--policy', 'semver:^1.0.0', '--insecure']);
    assert.equal(result.code, EXIT.ok, result.err);
    assert.equal(result.out, ['   TAG     NOTE', '*  1.10.0  selected', '   1.2.0', '   1.0.0   current', ''].join('\n'));
  });

  test('--json gives the same, with the selection', async () => {
    const result = await run([`${registry.host}/team/web:1.0.0`, '--policy', 'semver:^1.0.0', '--insecure', '--json']);
    const json = JSON.parse(result.out) as { selected: string; tags: { tag: string }[] };
    assert.equal(json.selected, '1.10.0');
    assert.deepEqual(
      json.tags.map((t) => t.tag),
      ['1.10.0', '1.2.0', '1.0.0'],
    );
  });

  test('--all adds the tags the policy rejects, with the reason', async () => {
    const result = await run([`${registry.host}/team/web`, '--policy', 'semver:^1.0.0', '--insecure', '--all', '--json']);
    const json = JSON.parse(result.out) as { tags: { tag: string; rejected?: string }[] };
    assert.deepEqual(
      json.tags.filter((t) => t.rejected !== undefined),
      [
        { tag: '2.0.0', rejected: 'outside-range' },
        { tag: 'latest', rejected: 'not-a-version' },
      ],
    );
  });

  test('without a policy: every tag, numeric-aware, highest first', async () => {
    const result = await run([`${registry.host}/team/web`, '--insecure', '--json']);
    assert.deepEqual(
      (JSON.parse(result.out) as { tags: { tag: string }[] }).tags.map((t) => t.tag),
      ['latest', '2.0.0', '1.10.0', '1.2.0', '1.0.0'],
    );
  });

  test('an invalid reference is a usage error', async () => {
    const result = await run(['Team/Web']);
    assert.equal(result.code, EXIT.usage);
    assert.match(result.err, /^tagpilot images: .*bad repository path component/);
  });

  test('a registry failure is an error naming the repository', async () => {
    const result = await run([`${registry.host}/team/none`, '--insecure']);
    assert.equal(result.code, EXIT.failed);
    assert.match(result.err, /team\/none: repository not found/);
  });
});

describe('tagpilot images --config: registries and credentials from the config file', () => {
  let registry: TestRegistry;
  const dir = tempDir('images-config');

  before(async () => {
    registry = await startRegistry({ extraConfig: await htpasswdConfig(dir.path, { bot: 'pw-123' }) });
    await seedTags(registry.url, 'team/private', versionTags(['0.9.0', '1.0.0']), { auth: { username: 'bot', password: 'pw-123' } });
  });

  after(async () => {
    await registry.stop();
    dir.remove();
  });

  test('a password from the environment', async () => {
    const config = join(dir.path, 'env.yaml');
    writeFileSync(config, `git: { url: https://git.example/x.git }\ncacheDir: cache\nregistries:\n  - host: ${registry.host}\n    insecure: true\n    auth: { username: bot, password: { env: REGISTRY_PASSWORD } }\n`);
    const result = await run([`${registry.host}/team/private`, '--config', config, '--json'], { REGISTRY_PASSWORD: 'pw-123' });
    assert.deepEqual(
      (JSON.parse(result.out) as { tags: { tag: string }[] }).tags.map((t) => t.tag),
      ['1.0.0', '0.9.0'],
    );
  });

  test('a dockerconfigjson file', async () => {
    const config = join(dir.path, 'docker.yaml');
    const dockerConfig = join(dir.path, 'dockerconfig.json');
    writeFileSync(dockerConfig, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('bot:pw-123').toString('base64') } } }));
    writeFileSync(config, `git: { url: https://git.example/x.git }\ncacheDir: cache\nregistries: [{ host: "${registry.host}", insecure: true }]\ndockerConfig: { file: ${dockerConfig} }\n`);
    const result = await run([`${registry.host}/team/private`, '--config', config, '--json']);
    assert.equal((JSON.parse(result.out) as { tags: unknown[] }).tags.length, 2);
  });

  test('a dockerconfigjson that is not JSON is a config error that does not quote it', async () => {
    const config = join(dir.path, 'bad.yaml');
    const dockerConfig = join(dir.path, 'bad.json');
    writeFileSync(dockerConfig, 'password=hunter2');
    writeFileSync(config, `git: { url: https://git.example/x.git }\ndockerConfig: { file: ${dockerConfig} }\n`);
    const result = await run([`${registry.host}/team/private`, '--config', config]);
    assert.equal(result.code, EXIT.usage);
    assert.match(result.err, /dockerConfig: not JSON/);
    assert.ok(!result.err.includes('hunter2'));
  });
});
