import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles, sshFleet, writeConfig } from '../harness/fleet.ts';
import { generateKey, startSshd, type TestSshd } from '../harness/sshd.ts';
import { allowedSigners, gnupgHome, type GnupgHome } from '../harness/signing.ts';
import { runCli } from '../harness/cli.ts';

const BOT = 'bot@example.com';

/** The verification command docs/review-flows.md gives, run in the bare repo. */
function verify(bare: string, config: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; output: string } {
  const result = spawnSync('git', [...config.flatMap((c) => ['-c', c]), 'verify-commit', 'main'], { cwd: bare, env: { ...env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() }, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('signed cycle commits through the CLI (git.signing)', () => {
  let registry: TestRegistry;
  let server: GitServer;
  let sshd: TestSshd;
  let gnupg: GnupgHome;
  let work: string;
  let counter = 0;
  const deployKey = generateKey('ed25519');

  before(async () => {
    [registry, server, sshd] = await Promise.all([startRegistry(), startGitServer(), startSshd({ authorizedKeys: [deployKey.publicKey] })]);
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
    work = mkdtempSync(join(tmpdir(), 'tagpilot-signed-e2e-'));
    gnupg = gnupgHome();
    writeFileSync(join(work, 'deploy_key'), deployKey.privateKey, { mode: 0o600 });
    writeFileSync(join(work, 'known_hosts'), sshd.knownHosts);
  });
  after(async () => {
    await Promise.all([registry.stop(), server.stop(), sshd.stop()]);
    gnupg.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  const registries = () => `registries:\n  - { host: "${registry.host}", insecure: true }\ncacheDir: cache\n`;

  /** A fresh fleet over SSH whose config signs with the deploy key (`signing.format: ssh`). */
  const sshSignedFleet = () => sshFleet(work, sshd, registry.host, { git: `  author: { name: tagpilot-bot, email: ${BOT} }\n  signing: { format: ssh }\n`, rest: registries() });
  /** `git verify-commit` of the branch head, the deploy key the only allowed signer of the bot. */
  const verifyByDeployKey = (bare: string) => verify(bare, ['gpg.format=ssh', `gpg.ssh.allowedSignersFile=${allowedSigners(mkdtempSync(join(work, 'signers-')), BOT, deployKey.publicKey)}`]);

  test('with format ssh and no key, the SSH deploy key signs the commit it pushes', async () => {
    const { bare, config } = sshSignedFleet();
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
    const verified = verifyByDeployKey(bare);
    assert.equal(verified.status, 0, verified.output);
  });

  test('a workload operation (lock) is signed the same way: the deploy key signs its commit', async () => {
    const { bare, config } = sshSignedFleet();
    const result = await runCli(['lock', 'shop:deployment/web', '--reason', 'audit', '--user', 'Ana', '--config', config]);
    assert.equal(result.code, 0, result.err);
    const verified = verifyByDeployKey(bare);
    assert.equal(verified.status, 0, verified.output);
  });

  test('with format openpgp, an armored key from the environment signs the commit; gpg verifies it', async () => {
    const name = `fleet-${++counter}`;
    const bare = createBareRepo(server.root, name, fleetFiles(registry.host));
    const armored = gnupg.generate(`tagpilot-bot <${BOT}>`, 'ed25519', 'pw');
    const config = writeConfig(
      mkdtempSync(join(work, 'cfg-')),
      `git:
  url: ${server.repoUrl(name)}
  paths: [apps]
  author: { name: tagpilot-bot, email: ${BOT} }
  signing: { format: openpgp, key: { env: SIGNING_KEY }, passphrase: { env: SIGNING_PASS } }
${registries()}`,
    );
    const result = await runCli(['run', '--once', '--config', config], { env: { LOG_LEVEL: 'warn', SIGNING_KEY: armored, SIGNING_PASS: 'pw' } });
    assert.equal(result.code, 0, result.err);
    const verified = verify(bare, [], gnupg.env);
    assert.equal(verified.status, 0, verified.output);
  });

  test('a wrong passphrase stops at startup as a configuration error (exit 2) that holds no secret', async () => {
    const name = `fleet-${++counter}`;
    createBareRepo(server.root, name, fleetFiles(registry.host));
    const armored = gnupg.generate(`other <other@example.com>`, 'ed25519', 'right');
    const config = writeConfig(mkdtempSync(join(work, 'cfg-')), `git:\n  url: ${server.repoUrl(name)}\n  signing: { format: openpgp, key: { env: K }, passphrase: { env: P } }\n${registries()}`);
    const result = await runCli(['run', '--once', '--config', config], { env: { K: armored, P: 'wrong' } });
    assert.equal(result.code, 2, result.err);
    assert.match(result.err, /git\.signing: the OpenPGP signing key cannot be used/);
    assert.doesNotMatch(result.err, /wrong|PGP PRIVATE KEY/);
  });
});
