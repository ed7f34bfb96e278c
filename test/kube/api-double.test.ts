import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type { Fields } from '../harness/kube/index.ts';
import { cluster, TOKEN, type Cluster } from './double.ts';

/**
 * The double itself, driven through @kubernetes/client-node as tagpilot drives it: strict where
 * the API server is strict, so a test that passes against it does not pass by luck.
 */
let k: Cluster;
let coordination: k8s.CoordinationV1Api;
let events: k8s.EventsV1Api;
let core: k8s.CoreV1Api;
before(async () => {
  k = await cluster(['workload-events']);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(k.kubeconfig);
  coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  events = kc.makeApiClient(k8s.EventsV1Api);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(() => k.stop());

async function status(request: Promise<unknown>): Promise<{ code: number; body: Fields }> {
  const error = await request.then(
    () => assert.fail('expected an error'),
    (e: { code: number; body: string }) => e,
  );
  return { code: error.code, body: error.body === undefined ? {} : JSON.parse(error.body) };
}

const lease = (name: string, spec: k8s.V1LeaseSpec = {}) => ({ metadata: { name }, spec });

test('double: a verb the Role does not grant is 403 Forbidden, a missing object 404 NotFound, both as the API server words them', async () => {
  // The Role grants list on leases, never get.
  const { code, body } = await status(coordination.readNamespacedLease({ name: 'nope', namespace: 'tagpilot' }));
  assert.equal(code, 403);
  assert.equal(body.reason, 'Forbidden');
  assert.equal(body.message, 'leases "nope" is forbidden: User "system:serviceaccount:tagpilot:tagpilot" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "tagpilot"');
  const missing = await status(core.readNamespacedSecret({ name: 'tagpilot-deploy-key', namespace: 'tagpilot' }));
  assert.deepEqual(missing, { code: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'secrets "tagpilot-deploy-key" not found', reason: 'NotFound', details: { name: 'tagpilot-deploy-key', group: '', kind: 'secrets' }, code: 404 } });
});

test('double: MicroTime fields take six fractional digits; a plain Date (three) is 422 Invalid naming the field', async () => {
  await coordination.createNamespacedLease({ namespace: 'tagpilot', body: lease('micro', { holderIdentity: 'a', renewTime: new k8s.V1MicroTime('2026-12-01T10:00:00.123Z') }) });
  const { code, body } = await status(coordination.createNamespacedLease({ namespace: 'tagpilot', body: lease('millis', { renewTime: new Date('2026-12-01T10:00:00.123Z') }) }));
  assert.equal(code, 422);
  assert.equal(body.reason, 'Invalid');
  assert.equal(body.details.causes[0].field, 'spec.renewTime');
  assert.match(body.message, /^Lease\.coordination\.k8s\.io "millis" is invalid: spec\.renewTime: Invalid value: "2026-12-01T10:00:00\.123Z"/);
});

test('double: an update with a stale resourceVersion is 409 Conflict; a create of an existing name is 409 AlreadyExists', async () => {
  const created = await coordination.createNamespacedLease({ namespace: 'tagpilot', body: lease('cas', { holderIdentity: 'a' }) });
  await coordination.replaceNamespacedLease({ name: 'cas', namespace: 'tagpilot', body: { ...created, spec: { holderIdentity: 'b' } } });
  const stale = await status(coordination.replaceNamespacedLease({ name: 'cas', namespace: 'tagpilot', body: { ...created, spec: { holderIdentity: 'c' } } }));
  assert.equal(stale.code, 409);
  assert.equal(stale.body.reason, 'Conflict');
  assert.match(stale.body.message, /^Operation cannot be fulfilled on leases\.coordination\.k8s\.io "cas": the object has been modified/);
  const again = await status(coordination.createNamespacedLease({ namespace: 'tagpilot', body: lease('cas') }));
  assert.equal(again.body.reason, 'AlreadyExists');
});

test('double: an update without resourceVersion is taken, as the API server takes it, and recorded as refused (tagpilot always compares and swaps)', async () => {
  await coordination.createNamespacedLease({ namespace: 'tagpilot', body: lease('blind') });
  await coordination.replaceNamespacedLease({ name: 'blind', namespace: 'tagpilot', body: lease('blind', { holderIdentity: 'x' }) });
  assert.match(k.api.refused.pop() ?? '', /update leases blind: no resourceVersion/);
});

test('double: no token or a wrong one is 401', async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(k.kubeconfig);
  kc.users[0] = { name: 'tagpilot', token: `${TOKEN}-wrong` };
  const { code } = await status(kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({ namespace: 'tagpilot' }));
  assert.equal(code, 401);
});

test('double: a watch, or a query parameter tagpilot never sends, is refused and recorded', async () => {
  await status(coordination.listNamespacedLease({ namespace: 'tagpilot', watch: true }));
  await status(coordination.listNamespacedLease({ namespace: 'tagpilot', timeoutSeconds: 5 }));
  assert.deepEqual(k.api.refused.splice(0), ['GET /apis/coordination.k8s.io/v1/namespaces/tagpilot/leases: no such verb', 'list /apis/coordination.k8s.io/v1/namespaces/tagpilot/leases: query timeoutSeconds not taken']);
});

const event = (name: string, extra: Partial<k8s.EventsV1Event> = {}): k8s.EventsV1Event => ({
  metadata: { name },
  eventTime: new k8s.V1MicroTime(),
  reportingController: 'tagpilot.io/controller',
  reportingInstance: 'tagpilot-0',
  action: 'Update',
  reason: 'Updated',
  type: 'Normal',
  regarding: { kind: 'Pod', name: 'tagpilot-0', namespace: 'tagpilot' },
  ...extra,
});

test('double: an Event must be in the namespace of what it is about, and carry the v1 required fields', async () => {
  const wrong = await status(events.createNamespacedEvent({ namespace: 'tagpilot', body: event('elsewhere', { regarding: { kind: 'Deployment', name: 'web', namespace: 'shop' } }) }));
  assert.equal(wrong.body.details.causes[0].field, 'regarding.namespace');
  const bare = await status(events.createNamespacedEvent({ namespace: 'tagpilot', body: { metadata: { name: 'bare' }, eventTime: new k8s.V1MicroTime(), type: 'Normal', regarding: {} } }));
  assert.deepEqual(bare.body.details.causes.map((c: { field: string }) => c.field).sort(), ['action', 'reason', 'reportingController', 'reportingInstance']);
});

test("double: an Event's series is patched (JSON patch and merge patch); a series of one, or a changed reason, is refused", async () => {
  await events.createNamespacedEvent({ namespace: 'tagpilot', body: event('repeat') });
  const patched = await events.patchNamespacedEvent({ namespace: 'tagpilot', name: 'repeat', body: [{ op: 'add', path: '/series', value: { count: 2, lastObservedTime: new k8s.V1MicroTime() } }] });
  assert.equal(patched.series?.count, 2);
  const merged = await events.patchNamespacedEvent({ namespace: 'tagpilot', name: 'repeat', body: { series: { count: 3 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  assert.equal(merged.series?.count, 3);
  const one = await status(events.patchNamespacedEvent({ namespace: 'tagpilot', name: 'repeat', body: [{ op: 'replace', path: '/series/count', value: 1 }] }));
  assert.equal(one.body.details.causes[0].field, 'series.count');
  const reason = await status(events.patchNamespacedEvent({ namespace: 'tagpilot', name: 'repeat', body: [{ op: 'replace', path: '/reason', value: 'Other' }] }));
  assert.match(reason.body.message, /reason: field is immutable/);
});

test('double: RBAC resourceNames narrow a get to the names listed; a list is never covered by them', async () => {
  k.api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other', namespace: 'tagpilot' }, data: {} });
  assert.equal((await status(core.readNamespacedSecret({ name: 'other', namespace: 'tagpilot' }))).code, 403);
  assert.equal((await status(core.listNamespacedSecret({ namespace: 'tagpilot' }))).code, 403);
});
