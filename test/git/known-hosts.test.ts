import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { KnownHosts } from '../../src/git/known-hosts.ts';

/** A fake host key blob in SSH wire format: string(type) + some bytes. */
function keyBlob(type: string, seed: string): Buffer {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, Buffer.from(seed)]);
}

const KEY = keyBlob('ssh-ed25519', 'the real key');
const OTHER = keyBlob('ssh-ed25519', 'an impostor');
const line = (hosts: string, key = KEY, type = 'ssh-ed25519') => `${hosts} ${type} ${key.toString('base64')}`;

test('a host listed with its key is accepted', () => {
  assert.deepEqual(new KnownHosts(line('git.example.com')).verify('git.example.com', 22, KEY), { ok: true });
});

test('a host on another port is looked up as [host]:port', () => {
  const hosts = new KnownHosts(line('[git.example.com]:2222'));
  assert.deepEqual(hosts.verify('git.example.com', 2222, KEY), { ok: true });
  assert.equal(hosts.verify('git.example.com', 22, KEY).ok, false);
});

test('an unknown host is refused with a message naming it and the offered fingerprint', () => {
  const verdict = new KnownHosts(line('other.example.com')).verify('git.example.com', 22, KEY);
  assert.equal(verdict.ok, false);
  assert.match(!verdict.ok ? verdict.reason : '', /git\.example\.com is not in known_hosts \(it offered ssh-ed25519 SHA256:[A-Za-z0-9+/]+\)/);
});

test('a changed host key is refused as CHANGED', () => {
  const verdict = new KnownHosts(line('git.example.com')).verify('git.example.com', 22, OTHER);
  assert.equal(verdict.ok, false);
  assert.match(!verdict.ok ? verdict.reason : '', /host key of git\.example\.com has CHANGED/);
});

test('hashed host names (|1|salt|hash) match', () => {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64');
  assert.deepEqual(new KnownHosts(line(`|1|${salt.toString('base64')}|${hash}`)).verify('10.0.0.5', 2222, KEY), { ok: true });
});

test('wildcards match and a negated pattern excludes', () => {
  const hosts = new KnownHosts(line('*.example.com,!evil.example.com'));
  assert.deepEqual(hosts.verify('git.example.com', 22, KEY), { ok: true });
  assert.equal(hosts.verify('evil.example.com', 22, KEY).ok, false);
});

test('a key marked @revoked is refused even when also listed', () => {
  const verdict = new KnownHosts(`${line('git.example.com')}\n@revoked ${line('*')}`).verify('git.example.com', 22, KEY);
  assert.equal(verdict.ok, false);
  assert.match(!verdict.ok ? verdict.reason : '', /@revoked/);
});

test('comments, blank lines and @cert-authority lines are ignored', () => {
  const hosts = new KnownHosts(`# comment\n\n@cert-authority ${line('*')}\n`);
  assert.equal(hosts.verify('git.example.com', 22, KEY).ok, false);
  assert.deepEqual(hosts.keyTypesFor('git.example.com', 22), []);
});

test('keyTypesFor lists the key types known for a host, for algorithm negotiation', () => {
  const rsa = keyBlob('ssh-rsa', 'rsa');
  const hosts = new KnownHosts(`${line('git.example.com')}\n${line('git.example.com', rsa, 'ssh-rsa')}\n${line('elsewhere')}`);
  assert.deepEqual(hosts.keyTypesFor('git.example.com', 22), ['ssh-ed25519', 'ssh-rsa']);
});
