import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, readSecret } from '../../src/config/index.ts';
import { SecretStore } from '../../src/kube/index.ts';
import { cluster, type Cluster } from './double.ts';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-the-deploy-key\n-----END OPENSSH PRIVATE KEY-----\n';
const ROTATED = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-the-rotated-key\n-----END OPENSSH PRIVATE KEY-----\n';

let k: Cluster;
beforeEach(async () => {
  k = await cluster();
  deployKey(KEY);
});
afterEach(() => k.stop());

function deployKey(identity: string) {
  k.api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tagpilot-deploy-key', namespace: 'tagpilot' }, type: 'Opaque', data: { identity: Buffer.from(identity).toString('base64'), known_hosts: Buffer.from('git.example.com ssh-ed25519 AAAA\n').toString('base64') } });
}

const ref = (key: string, name = 'tagpilot-deploy-key', namespace?: string) => ({ name, key, ...(namespace === undefined ? {} : { namespace }) });

test("secrets: a { secret } reference is read through the API by name, in tagpilot's namespace by default", async () => {
  const store = new SecretStore(k.client);
  assert.equal(await readSecret({ secret: ref('identity') }, 'git.ssh.privateKey', {}, store), KEY.trim());
  assert.deepEqual(
    k.api.calls.map((c) => `${c.verb} ${c.resource} ${c.namespace}/${c.name} ${c.status}`),
    ['get secrets tagpilot/tagpilot-deploy-key 200'],
  );
});

test('secrets: the config schema takes { secret: { name, key, namespace? } } wherever a secret goes, and refuses a bad name', () => {
  const config = parseConfig('git:\n  url: ssh://git@git.example.com/fleet.git\n  ssh:\n    privateKey: { secret: { name: tagpilot-deploy-key, key: identity } }\n    knownHosts: { secret: { name: tagpilot-deploy-key, key: known_hosts, namespace: tagpilot } }\n', 'c.yaml', {});
  assert.deepEqual(config.automations[0]!.git.ssh?.privateKey, { secret: { name: 'tagpilot-deploy-key', key: 'identity' } });
  assert.throws(() => parseConfig('git:\n  url: https://git.example.com/f.git\n  auth: { password: { secret: { name: Bad_Name, key: token } } }\n', 'c.yaml', {}), /git\.auth\.password.*|must be a Secret name/s);
});

test('secrets: without the API, a { secret } reference is a config error naming the Secret', async () => {
  await assert.rejects(readSecret({ secret: ref('identity') }, 'git.ssh.privateKey', {}), { code: 'config-invalid', message: /git\.ssh\.privateKey: Secret tagpilot-deploy-key needs the Kubernetes API/ });
});

test('secrets: refresh() re-reads each Secret once and says whether one rotated; the next read has the new value', async () => {
  let now = 0;
  const store = new SecretStore(k.client, { now: () => now });
  assert.equal(await store.read(ref('identity'), 'git.ssh.privateKey'), KEY);
  assert.equal(await store.refresh(), false, 'nothing changed');
  deployKey(ROTATED);
  assert.equal(await store.read(ref('identity'), 'git.ssh.privateKey'), KEY, 'a read serves what the last refresh got');
  now += 5000;
  assert.equal(await store.refresh(), true);
  assert.equal(await store.read(ref('identity'), 'git.ssh.privateKey'), ROTATED);
  assert.equal(k.api.calls.filter((c) => c.resource === 'secrets').length, 3, 'one get per read or refresh, none more');
});

const failures: [string, () => Promise<unknown>, RegExp, string][] = [
  ['a key the Secret lacks names the keys it has, never a value', () => new SecretStore(k.client).read(ref('ssh-privatekey'), 'git.ssh.privateKey'), /git\.ssh\.privateKey: Secret tagpilot\/tagpilot-deploy-key has no key "ssh-privatekey" \(it has: identity, known_hosts\)/, 'secret-key-missing'],
  [
    'a Secret the Role does not name is forbidden (resourceNames)',
    () => new SecretStore(k.client).read(ref('token', 'other-secret'), 'review.token'),
    /review\.token: get secret tagpilot\/other-secret: 403 secrets "other-secret" is forbidden: User "system:serviceaccount:tagpilot:tagpilot" cannot get resource "secrets"/,
    'kube-forbidden',
  ],
  ['a Secret in another namespace is forbidden', () => new SecretStore(k.client).read(ref('identity', 'tagpilot-deploy-key', 'shop'), 'git.ssh.privateKey'), /403 .*in the namespace "shop"/, 'kube-forbidden'],
];
for (const [name, read, message, code] of failures) {
  test(`secrets: ${name}`, async () => {
    const error = await read().then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    assert.ok(error !== undefined);
    assert.match(error.message, message);
    assert.equal(error.code, code);
    assert.ok(!error.message.includes('the-deploy-key') && !JSON.stringify(error).includes('the-deploy-key'), 'no value in the error');
  });
}

test('secrets: an API that fails for a moment: refresh() throws, and reads keep serving the last value', async () => {
  const store = new SecretStore(k.client, { freshMs: 0 });
  await store.read(ref('identity'), 'git.ssh.privateKey');
  k.api.faults.push({ verb: 'get', resource: 'secrets', status: 500, times: 2 });
  await assert.rejects(store.refresh(), { code: 'kube-unavailable' });
  assert.equal(await store.read(ref('identity'), 'git.ssh.privateKey'), KEY);
});

test('secrets: a Secret deleted since is an error, not its old value', async () => {
  const store = new SecretStore(k.client, { freshMs: 0 });
  await store.read(ref('identity'), 'git.ssh.privateKey');
  k.api.remove('v1', 'Secret', 'tagpilot', 'tagpilot-deploy-key');
  await assert.rejects(store.read(ref('identity'), 'git.ssh.privateKey'), { code: 'kube-not-found' });
});
