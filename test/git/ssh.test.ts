import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PushRejected, type GitRemote } from '../../src/git/remote.ts';
import { HostKeyError } from '../../src/git/ssh-transport.ts';
import { createBareRepo, humanCommit, installHook } from '../harness/git-repos.ts';
import { generateKey, startSshd, type KeyFormat, type KeyPair, type KeyType, type TestSshd } from '../harness/sshd.ts';
import { botWrite, cacheDirs, head, openRepo } from './fixtures.ts';

const FORMATS: [KeyType, KeyFormat][] = [
  ['ed25519', 'openssh'],
  ['ed25519', 'pkcs8'],
  ['ecdsa', 'openssh'],
  ['ecdsa', 'pem'],
  ['ecdsa', 'pkcs8'],
  ['rsa', 'openssh'],
  ['rsa', 'pem'],
  ['rsa', 'pkcs8'],
];

describe('git over SSH with a deploy key (OpenSSH sshd, git-shell)', () => {
  let sshd: TestSshd;
  let root: string;
  let counter = 0;
  const caches = cacheDirs();
  const keys = new Map<string, KeyPair>(FORMATS.map(([type, format]) => [`${type}/${format}`, generateKey(type, format)]));
  const deployKey = keys.get('ed25519/openssh')!;
  const stranger = generateKey('ed25519');
  const encrypted = [generateKey('ed25519', 'openssh', 'correct horse'), generateKey('rsa', 'pem', 'correct horse')];
  const fleet = () => createBareRepo(root, `fleet-${++counter}`, { 'apps/web.yaml': 'image: web:1.0.0\n', 'apps/api.yaml': 'image: api:1.0.0\n' });
  const remote = (bare: string, overrides: Partial<GitRemote> = {}): GitRemote => ({ url: sshd.url(bare), branch: 'main', ssh: { privateKey: deployKey.privateKey, knownHosts: sshd.knownHosts }, ...overrides });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tagpilot-ssh-repos-'));
    sshd = await startSshd({ authorizedKeys: [...keys.values(), ...encrypted].map((k) => k.publicKey) });
  });
  after(async () => {
    await sshd.stop();
    rmSync(root, { recursive: true, force: true });
    caches.cleanup();
  });

  test('clone, fetch, commit and push over SSH', async () => {
    const bare = fleet();
    const repo = openRepo(caches.make(), remote(bare));
    assert.equal(await repo.sync(), head(bare));
    const human = humanCommit(bare, { 'apps/api.yaml': 'image: api:2\n' }, 'human change');
    const { parent, commit } = await botWrite(repo, 'apps/web.yaml', 'image: web:1.1.0\n');
    assert.equal(parent, human);
    assert.equal(head(bare), commit);
  });

  for (const [type, format] of FORMATS) {
    test(`a ${type} deploy key in ${format} format logs in`, async () => {
      const bare = fleet();
      const key = keys.get(`${type}/${format}`)!;
      const repo = openRepo(caches.make(), remote(bare, { ssh: { privateKey: key.privateKey, knownHosts: sshd.knownHosts } }));
      assert.equal(await repo.remoteHead(), head(bare));
    });
  }

  test('an encrypted deploy key (OpenSSH or PEM) opens with its passphrase', async () => {
    const bare = fleet();
    for (const key of encrypted) {
      const repo = openRepo(caches.make(), remote(bare, { ssh: { privateKey: key.privateKey, passphrase: 'correct horse', knownHosts: sshd.knownHosts } }));
      assert.equal(await repo.remoteHead(), head(bare));
    }
  });

  test('a wrong passphrase is refused without echoing it', () => {
    assert.throws(
      () => openRepo(caches.make(), remote(fleet(), { ssh: { privateKey: encrypted[0]!.privateKey, passphrase: 'wrong-SECRET', knownHosts: sshd.knownHosts } })),
      (error: Error) => /deploy key cannot be used/.test(error.message) && !error.message.includes('SECRET'),
    );
  });

  test('a host key other than the one in known_hosts is refused before anything is sent', async () => {
    const bare = fleet();
    const impostor = sshd.knownHosts.replace(/ssh-ed25519 \S+/, generateKey('ed25519').publicKey.split(' ').slice(0, 2).join(' '));
    const accepted = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const repo = openRepo(caches.make(), remote(bare, { ssh: { privateKey: deployKey.privateKey, knownHosts: impostor } }));
    await assert.rejects(repo.sync(), (error: unknown) => error instanceof HostKeyError && /host key of \[127\.0\.0\.1\]:\d+ has CHANGED/.test(error.message));
    assert.equal((sshd.log().match(/Accepted publickey/g) ?? []).length, accepted);
  });

  test('a host missing from known_hosts is refused as unknown', async () => {
    const repo = openRepo(caches.make(), remote(fleet(), { ssh: { privateKey: deployKey.privateKey, knownHosts: '' } }));
    await assert.rejects(repo.sync(), (error: unknown) => error instanceof HostKeyError && /is not in known_hosts \(it offered ssh-ed25519 SHA256:/.test(error.message));
  });

  test('a deploy key the server does not know is reported as refused', async () => {
    const repo = openRepo(caches.make(), remote(fleet(), { ssh: { privateKey: stranger.privateKey, knownHosts: sshd.knownHosts } }));
    await assert.rejects(repo.sync(), /the server refused the deploy key/);
  });

  test('a key that is not a key is refused without echoing it', () => {
    assert.throws(
      () => openRepo(caches.make(), remote(fleet(), { ssh: { privateKey: 'not-a-key-SECRET', knownHosts: sshd.knownHosts } })),
      (error: Error) => /deploy key cannot be used/.test(error.message) && !error.message.includes('SECRET'),
    );
  });

  test('a server that goes silent fails after the idle timeout', async () => {
    sshd.beforeCommand('sleep 1');
    try {
      const repo = openRepo(caches.make(), remote(fleet(), { timeouts: { connectMs: 5_000, idleMs: 300 } }));
      const started = performance.now();
      await assert.rejects(repo.sync(), /no data for 300 ms/);
      assert.ok(performance.now() - started < 2_500);
    } finally {
      sshd.beforeCommand(undefined);
    }
  });

  test('a missing repository surfaces the remote’s own error', async () => {
    const repo = openRepo(caches.make(), remote(join(root, 'nowhere.git')));
    await assert.rejects(repo.sync(), /does not appear to be a git repository/);
  });

  test('another clone pushing first makes ours a lost race; nothing is overwritten', async () => {
    const bare = fleet();
    const ours = openRepo(caches.make(), remote(bare));
    const theirs = openRepo(caches.make(), remote(bare));
    const parent = await ours.sync();
    const their = await botWrite(theirs, 'apps/api.yaml', 'image: api:3\n');
    const commit = await ours.commit(parent, new Map([['apps/web.yaml', new TextEncoder().encode('image: web:3\n')]]), 'ours\n', { name: 'b', email: 'b@example.com' });
    await assert.rejects(ours.push(commit), (error: unknown) => error instanceof PushRejected && error.lostRace);
    assert.equal(head(bare), their.commit);
    const retried = await botWrite(ours, 'apps/web.yaml', 'image: web:3\n');
    assert.equal(retried.parent, their.commit);
    assert.equal(head(bare), retried.commit);
  });

  test('a push refused by a hook over SSH fails with the hook’s words', async () => {
    const bare = fleet();
    installHook(bare, 'pre-receive', 'echo "frozen: release in progress" >&2\nexit 1');
    const repo = openRepo(caches.make(), remote(bare));
    await assert.rejects(botWrite(repo, 'apps/web.yaml', 'image: web:2\n'), (error: unknown) => error instanceof PushRejected && !error.lostRace && /frozen: release in progress/.test(error.message));
  });
});
