import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepo } from '../../src/git/repo.ts';
import { openPgpSigner, sshPublicKeyLine, sshSigner, withSignatureHeader, type CommitSigner } from '../../src/git/sign/index.ts';
import { TagpilotError } from '../../src/problems/index.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { allowedSigners, gnupgHome, type GnupgHome } from '../harness/signing.ts';
import { generateKey } from '../harness/sshd.ts';
import { BOT, bytes, cacheDirs } from './fixtures.ts';

/** `git verify-commit` in a bare repo with extra config and environment; its exit code and output. */
function verifyCommit(bare: string, commit: string, config: string[], env: NodeJS.ProcessEnv = process.env) {
  const args = [...config.flatMap((c) => ['-c', c]), 'verify-commit', '-v', commit];
  const result = spawnSync('git', args, { cwd: bare, env: { ...env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() }, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('signed commits, checked by git verify-commit', () => {
  let server: GitServer;
  const caches = cacheDirs();
  let counter = 0;
  let scratch: string;

  before(async () => {
    server = await startGitServer();
    scratch = mkdtempSync(join(tmpdir(), 'tagpilot-sign-'));
  });
  after(async () => {
    await server.stop();
    caches.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Writes, signs and pushes one commit with `signer`; returns the bare repo and the commit. */
  async function pushSigned(signer: CommitSigner): Promise<{ bare: string; commit: string }> {
    const name = `signed-${++counter}`;
    const bare = createBareRepo(server.root, name, { 'apps/web.yaml': 'image: web:1.0.0\n' });
    const repo = GitRepo.forRemote(caches.make(), { url: server.repoUrl(name), branch: 'main' }, { signer });
    const parent = await repo.sync();
    const commit = await repo.commit(parent, new Map([['apps/web.yaml', bytes('image: web:1.1.0\n')]]), 'tagpilot: web 1.0.0 → 1.1.0\n', BOT);
    await repo.push(commit);
    await repo.close();
    return { bare, commit };
  }

  const SSH_KEYS = [
    { name: 'ed25519 (OpenSSH)', key: () => generateKey('ed25519') },
    { name: 'ed25519 (PKCS#8)', key: () => generateKey('ed25519', 'pkcs8') },
    { name: 'ed25519, encrypted', key: () => generateKey('ed25519', 'openssh', 's3cret'), passphrase: 's3cret' },
    { name: 'ecdsa P-256', key: () => generateKey('ecdsa') },
    { name: 'ecdsa P-384 (PEM)', key: () => generateKey('ecdsa', 'pem', '', 384) },
    { name: 'ecdsa P-521', key: () => generateKey('ecdsa', 'openssh', '', 521) },
    { name: 'rsa 3072 (PKCS#8)', key: () => generateKey('rsa', 'pkcs8', '', 3072) },
  ];
  for (const { name, key, passphrase } of SSH_KEYS) {
    test(`an SSH signature (${name}) verifies with gpg.format=ssh and an allowed-signers file`, async () => {
      const { privateKey, publicKey } = key();
      const { bare, commit } = await pushSigned(sshSigner(privateKey, passphrase));
      const signers = allowedSigners(mkdtempSync(join(scratch, 'ssh-')), BOT.email, publicKey);
      const result = verifyCommit(bare, commit, ['gpg.format=ssh', `gpg.ssh.allowedSignersFile=${signers}`]);
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, new RegExp(`Good "git" signature for ${BOT.email}`));
    });
  }

  test('the SSH public key line names the same key ssh-keygen wrote', () => {
    const { privateKey, publicKey } = generateKey('ed25519');
    assert.equal(sshPublicKeyLine(privateKey), publicKey.split(' ').slice(0, 2).join(' '));
  });

  test('a commit signed by a key not in the allowed-signers file does not verify', async () => {
    const { bare, commit } = await pushSigned(sshSigner(generateKey('ed25519').privateKey));
    const signers = allowedSigners(mkdtempSync(join(scratch, 'ssh-')), BOT.email, generateKey('ed25519').publicKey);
    assert.notEqual(verifyCommit(bare, commit, ['gpg.format=ssh', `gpg.ssh.allowedSignersFile=${signers}`]).status, 0);
  });

  test('the signature covers the commit bytes: the same commit with another message does not verify', async () => {
    const { privateKey, publicKey } = generateKey('ed25519');
    const signer = sshSigner(privateKey);
    const { bare, commit } = await pushSigned(signer);
    const raw = execFileSync('git', ['cat-file', 'commit', commit], { cwd: bare });
    const tampered = Buffer.from(raw.toString('utf8').replace('web 1.0.0 → 1.1.0', 'web 1.0.0 → 9.9.9'));
    assert.notDeepEqual(tampered, raw);
    const forged = execFileSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], { cwd: bare, input: tampered }).toString().trim();
    const signers = allowedSigners(mkdtempSync(join(scratch, 'ssh-')), BOT.email, publicKey);
    const result = verifyCommit(bare, forged, ['gpg.format=ssh', `gpg.ssh.allowedSignersFile=${signers}`]);
    assert.notEqual(result.status, 0, result.output);
  });

  describe('OpenPGP (OpenPGP.js), checked with GnuPG', () => {
    let gnupg: GnupgHome;
    before(() => {
      gnupg = gnupgHome();
    });
    after(() => gnupg.dispose());

    const PGP_KEYS = [
      { algo: 'ed25519', passphrase: undefined },
      { algo: 'rsa2048', passphrase: 'pgp-pass' },
    ];
    for (const { algo, passphrase } of PGP_KEYS) {
      test(`an OpenPGP signature (${algo}${passphrase === undefined ? '' : ', encrypted'}) from a GnuPG-exported key verifies with gpg`, async () => {
        const uid = `Bot ${algo} <${algo}@example.com>`;
        const armored = gnupg.generate(uid, algo, passphrase ?? '');
        const { bare, commit } = await pushSigned(await openPgpSigner(armored, passphrase));
        const result = verifyCommit(bare, commit, [], gnupg.env);
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, /Good signature from "Bot/);
        assert.match(git(bare, 'cat-file', 'commit', commit), /^gpgsig -----BEGIN PGP SIGNATURE-----\n \n/m);
      });
    }

    test('an encrypted key without its passphrase is a coded configuration problem, not a crash', async () => {
      const armored = gnupg.generate('Locked <locked@example.com>', 'ed25519', 'locked');
      await assert.rejects(openPgpSigner(armored), (error: unknown) => error instanceof TagpilotError && error.code === 'signing-key-unusable' && !error.message.includes('PRIVATE KEY BLOCK'));
    });
  });

  test('an unreadable SSH key is a coded problem whose message holds no key material', () => {
    const { privateKey } = generateKey('ed25519');
    const broken = privateKey.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    assert.throws(
      () => sshSigner(broken),
      (error: unknown) => error instanceof TagpilotError && error.code === 'signing-key-unusable' && !error.message.includes(broken.split('\n')[2]!),
    );
  });

  test('the signature header goes after the last header line, continuation lines indented as git does', () => {
    const commit = Buffer.from('tree t\nauthor a\ncommitter c\n\nsubject\n\nbody\n');
    const signed = withSignatureHeader(commit, '-----BEGIN X-----\n\nabc\n-----END X-----\n').toString();
    assert.equal(signed, 'tree t\nauthor a\ncommitter c\ngpgsig -----BEGIN X-----\n \n abc\n -----END X-----\n\nsubject\n\nbody\n');
  });
});
