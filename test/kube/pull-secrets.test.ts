import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { MemoryCounters, PullSecrets, SecretStore } from '../../src/kube/index.ts';
import { htpasswdConfig, startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags } from '../harness/images.ts';
import { ref, tempDir, testClient } from '../registry/helpers.ts';
import { cluster, type Cluster } from './double.ts';

const PASSWORD = 'pull-s3cret-XYZ';
let registry: TestRegistry;
let k: Cluster;
const dir = tempDir('pull-secrets');
const logged: string[] = [];
const log = pino(
  { level: 'debug' },
  new Writable({
    write: (c, _e, cb) => {
      logged.push(String(c));
      cb();
    },
  }),
);

function dockerconfigjson(host: string, password: string) {
  return Buffer.from(JSON.stringify({ auths: { [host]: { auth: Buffer.from(`puller:${password}`).toString('base64') } } })).toString('base64');
}

before(async () => {
  registry = await startRegistry({ extraConfig: await htpasswdConfig(dir.path, { puller: PASSWORD }) });
  await seedTags(registry.url, 'shop/web', [{ tag: '1.0.0' }, { tag: '1.1.0' }], { auth: { username: 'puller', password: PASSWORD } });
  k = await cluster(['pull-secrets'], ['config/components/pull-secrets/rolebinding.example.yaml']);
  for (const ns of ['shop', 'blog']) {
    k.api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { template: { spec: { serviceAccountName: 'web', imagePullSecrets: [{ name: 'regcred' }] } } } });
    k.api.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: ns }, imagePullSecrets: [{ name: 'sa-regcred' }] });
    k.api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: ns }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerconfigjson(registry.host, PASSWORD) } });
  }
});
after(async () => {
  await k.stop();
  await registry.stop();
  dir.remove();
});

test("pull secrets: a workload's own imagePullSecrets list its private image, in its namespace, with no credential configured", async () => {
  const pull = new PullSecrets({ client: k.client, secrets: new SecretStore(k.client), log });
  const auths = await pull.forWorkload({ namespace: 'shop', kind: 'Deployment', name: 'web' });
  const client = testClient([registry.host]);
  const listed = await client.listTags(ref(`${registry.host}/shop/web`), undefined, { pullSecrets: auths });
  assert.deepEqual(listed.tags.map((t) => t.tag).sort(), ['1.0.0', '1.1.0']);
  await assert.rejects(client.listTags(ref(`${registry.host}/shop/web`), undefined, { fresh: true }), /401/, 'without them, refused');
  await client.close();
  const reads = k.api.calls.map((c) => `${c.verb} ${c.resource} ${c.namespace}/${c.name} ${c.status}`);
  assert.deepEqual(reads, ['get deployments shop/web 200', 'get serviceaccounts shop/web 200', 'get secrets shop/regcred 200', 'get secrets shop/sa-regcred 404']);
});

test('pull secrets: a namespace tagpilot is not bound in (403) leaves the configured credentials in charge, logged and counted', async () => {
  const counters = new MemoryCounters();
  const pull = new PullSecrets({ client: k.client, secrets: new SecretStore(k.client), log, counters });
  assert.equal(await pull.forWorkload({ namespace: 'blog', kind: 'Deployment', name: 'web' }), undefined);
  assert.equal(counters.get('tagpilot_pull_secret_errors_total', { what: 'workload', code: 'kube-forbidden' }), 1);
});

test('pull secrets: no password, no auth string reaches the log', () => {
  const text = logged.join('');
  assert.ok(text.length > 0);
  assert.ok(!text.includes(PASSWORD) && !text.includes(Buffer.from(`puller:${PASSWORD}`).toString('base64')));
});
