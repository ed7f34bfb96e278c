import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { git } from '../harness/git-repos.ts';
import { FLEET_TAGS, sshFleet } from '../harness/fleet.ts';
import { generateKey, startSshd, type TestSshd } from '../harness/sshd.ts';
import { runCli } from '../harness/cli.ts';

describe('the cycle over SSH with a deploy key, through the CLI', () => {
  let registry: TestRegistry;
  let sshd: TestSshd;
  let work: string;
  const key = generateKey('ecdsa', 'pem');

  before(async () => {
    [registry, sshd] = await Promise.all([startRegistry(), startSshd({ authorizedKeys: [key.publicKey] })]);
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
    work = mkdtempSync(join(tmpdir(), 'tagpilot-ssh-e2e-'));
    writeFileSync(join(work, 'deploy_key'), key.privateKey, { mode: 0o600 });
    writeFileSync(join(work, 'known_hosts'), sshd.knownHosts);
  });
  afterEach(() => sshd.beforeCommand(undefined));
  after(async () => {
    await Promise.all([registry.stop(), sshd.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  const fleet = (knownHosts = 'known_hosts') => sshFleet(work, sshd, registry.host, { knownHosts, rest: `registries:\n  - host: ${registry.host}\n    insecure: true\ncacheDir: cache\n` });

  test('run --once commits and pushes over SSH', async () => {
    const { bare, config } = fleet();
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
    assert.match(git(bare, 'show', 'main:apps/web.yaml'), /team\/web:1\.2\.0/);
    assert.match(git(bare, 'log', '-1', '--format=%B', 'main'), /^Tagpilot-Update: shop:deployment\/web web /m);
  });

  test('a human commit landing first over SSH: ours lands on top of it', async () => {
    const { bare, config } = fleet();
    sshd.beforeCommand(`case "$1" in git-receive-pack*) ;; *) exit 0 ;; esac
[ -e ${bare}/raced ] && exit 0
touch ${bare}/raced
tmp=$(mktemp -d)
git clone -q ${bare} $tmp
sed -i 's/replicas: 2/replicas: 3/' $tmp/apps/web.yaml
git -C $tmp -c user.name=Human -c user.email=human@example.com commit -qam 'Human: tune replicas'
git -C $tmp push -q origin HEAD:main
rm -rf $tmp
`);
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /lost the push race/);
    assert.equal(git(bare, 'log', '--format=%s', '-2', 'main').trim().split('\n')[1], 'Human: tune replicas');
    const web = git(bare, 'show', 'main:apps/web.yaml');
    assert.match(web, /replicas: 3/);
    assert.match(web, /team\/web:1\.2\.0/);
  });

  test('a host key that does not match known_hosts fails the cycle and writes nothing', async () => {
    writeFileSync(join(work, 'known_hosts.wrong'), sshd.knownHosts.replace(/ecdsa-sha2-nistp256 \S+|ssh-ed25519 \S+/, generateKey('ed25519').publicKey.split(' ').slice(0, 2).join(' ')));
    const { bare, config } = fleet('known_hosts.wrong');
    const before = git(bare, 'rev-parse', 'main');
    const result = await runCli(['run', '--once', '--config', config]);
    assert.equal(result.code, 1);
    assert.match(result.err, /has CHANGED/);
    assert.equal(git(bare, 'rev-parse', 'main'), before);
  });
});
