import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventRecorder, MemoryCounters, RolloutVerifier, type VerificationResult, type VerifyTarget } from '../../src/kube/index.ts';
import type { Fields, KubeObject } from '../harness/kube/index.ts';
import { cluster, silent, type Cluster } from './double.ts';
import { complete, expected, IMAGE_NEW, IMAGE_OLD, pod, workload } from './rollout-fixtures.ts';

let k: Cluster | undefined;
let verifier: RolloutVerifier | undefined;
afterEach(async () => {
  await verifier?.stop();
  await k?.stop();
});

const POD = { name: 'tagpilot-5c9d-x7k2p', namespace: 'tagpilot' };
const target = (kind = 'Deployment', deadlineMs: number | null = 2_000): VerifyTarget => ({ automation: 'fleet', workload: { namespace: 'shop', kind, name: 'web' }, commit: '0123456789abcdef0123', expected, deadlineMs: deadlineMs ?? undefined });

async function setup(components = ['verify']) {
  k = await cluster(components);
  const counters = new MemoryCounters();
  const events = new EventRecorder({ client: k.client, pod: POD, log: silent, counters });
  const results: VerificationResult[] = [];
  let resolve: (r: VerificationResult) => void = () => {};
  const next = () => new Promise<VerificationResult>((r) => (resolve = r));
  verifier = new RolloutVerifier({
    client: k.client,
    log: silent,
    events,
    counters,
    intervalMs: 25,
    onOutcome: (r) => {
      results.push(r);
      resolve(r);
    },
  });
  return { api: k.api, verifier, events, counters, results, next, shopEvents: () => k!.api.list('events.k8s.io/v1', 'Event', 'shop') as (KubeObject & Fields)[] };
}

for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout']) {
  test(`verifier ${kind}: follows the sync loop applying the spec, the status progressing and the Pods replacing, to Verified and an Event on the workload`, async () => {
    const { api, verifier, next, counters, events, shopEvents } = await setup();
    api.apply(workload(kind, IMAGE_OLD, complete(kind)));
    api.apply(pod('web-old', IMAGE_OLD));
    const done = next();
    verifier.verify(target(kind));
    await sleep(80);
    api.apply(workload(kind, IMAGE_NEW, { generation: 3, observed: 2, ...complete(kind) }));
    await sleep(80);
    api.apply(workload(kind, IMAGE_NEW, { generation: 3, observed: 3, updated: 1, ready: 1, available: 1, phase: kind === 'Rollout' ? 'Progressing' : undefined }));
    api.apply(pod('web-new', IMAGE_NEW));
    await sleep(80);
    api.remove('v1', 'Pod', 'shop', 'web-old');
    api.apply(workload(kind, IMAGE_NEW, { generation: 3, observed: 3, ...complete(kind) }));
    const result = await done;
    assert.equal(result.outcome, 'Verified');
    await events.flush();
    const [event] = shopEvents();
    assert.equal(event?.reason, 'Verified');
    assert.equal(event?.type, 'Normal');
    assert.equal(event?.action, 'Verify');
    assert.match(event?.note, /^Verified: web: registry.example.com\/shop\/web:1.5.0 rolled out.*commit 0123456789ab, automation fleet/);
    assert.equal((event?.regarding as { kind?: string } | undefined)?.kind, kind);
    assert.equal(counters.get('tagpilot_verifications_total', { outcome: 'Verified', reason: '' }), 1);
    assert.deepEqual(api.refused, []);
  });
}

test('verifier: a Pod stuck in ImagePullBackOff is Failed(ImagePullBackOff), a Warning Event naming the Pod', async () => {
  const { api, verifier, next, events, shopEvents, counters } = await setup();
  api.apply(workload('Deployment', IMAGE_NEW, { generation: 3, observed: 3, updated: 1, ready: 1, available: 1 }));
  api.apply(pod('web-old', IMAGE_OLD));
  api.apply(pod('web-new', IMAGE_NEW, { waiting: 'ImagePullBackOff' }));
  verifier.verify(target());
  const result = await next();
  assert.equal(result.outcome, 'Failed');
  assert.equal(result.reason, 'ImagePullBackOff');
  await events.flush();
  const [event] = shopEvents();
  assert.equal(event?.reason, 'RolloutFailed');
  assert.equal(event?.type, 'Warning');
  assert.match(event?.note, /^Failed \(ImagePullBackOff\): pod web-new container web: ImagePullBackOff/);
  assert.equal(counters.get('tagpilot_verifications_total', { outcome: 'Failed', reason: 'ImagePullBackOff' }), 1);
});

test('verifier: a sync loop that never applies the commit is NotApplied at the deadline', async () => {
  const { api, verifier, next, events, shopEvents } = await setup();
  api.apply(workload('Deployment', IMAGE_OLD, complete('Deployment')));
  api.apply(pod('web-old', IMAGE_OLD));
  const started = Date.now();
  verifier.verify(target('Deployment', 300));
  const result = await next();
  assert.equal(result.outcome, 'NotApplied');
  assert.ok(Date.now() - started >= 300);
  assert.match(result.detail, /does not carry web: registry.example.com\/shop\/web:1.5.0/);
  await events.flush();
  assert.equal(shopEvents()[0]?.reason, 'NotApplied');
});

test('verifier: the tagpilot.io/verify annotation opts a workload in; without it or the config, nothing is watched', async () => {
  const { api, verifier, next, results } = await setup();
  api.apply(workload('Deployment', IMAGE_OLD, complete('Deployment')));
  verifier.verify(target('Deployment', null));
  await sleep(60);
  await verifier.settled();
  assert.equal(verifier.size, 0);
  assert.deepEqual(results, []);
  api.apply(workload('Deployment', IMAGE_NEW, complete('Deployment'), { 'tagpilot.io/verify': '10m' }));
  api.apply(pod('web-new', IMAGE_NEW));
  verifier.verify(target('Deployment', null));
  assert.equal((await next()).outcome, 'Verified');
});

test('verifier: without the verify component, listing Pods is forbidden: counted, and Failed(Unreadable) at the deadline', async () => {
  const { api, verifier, next, counters } = await setup(['workload-events']);
  api.apply(workload('Deployment', IMAGE_NEW, complete('Deployment')));
  verifier.verify(target('Deployment', 200));
  const result = await next();
  assert.equal(result.outcome, 'Failed');
  assert.equal(result.reason, 'Unreadable');
  assert.ok(counters.get('tagpilot_verify_errors_total', { code: 'kube-forbidden' }) >= 1);
  assert.ok(api.calls.some((c) => c.resource === 'pods' && c.verb === 'list' && c.status === 403));
});

test('verifier: bounded: past maxConcurrent, verifications queue; a newer commit for a workload replaces the one in progress', async () => {
  k = await cluster(['verify']);
  const counters = new MemoryCounters();
  const results: VerificationResult[] = [];
  verifier = new RolloutVerifier({ client: k.client, log: silent, counters, intervalMs: 25, maxConcurrent: 1, maxQueued: 1, onOutcome: (r) => results.push(r) });
  for (const name of ['a', 'b', 'c']) k.api.apply({ ...workload('Deployment', IMAGE_OLD, complete('Deployment')), metadata: { name, namespace: 'shop', generation: 2 } });
  const t = (name: string, commit: string): VerifyTarget => ({ ...target('Deployment', 150), workload: { namespace: 'shop', kind: 'Deployment', name }, commit });
  verifier.verify(t('a', 'c1'));
  verifier.verify(t('b', 'c1'));
  verifier.verify(t('c', 'c1'));
  assert.equal(counters.get('tagpilot_verifications_dropped_total'), 1);
  verifier.verify(t('a', 'c2'));
  assert.equal(counters.get('tagpilot_verifications_superseded_total'), 1);
  while (verifier.size > 0) await sleep(25);
  assert.deepEqual(
    results.map((r) => `${r.target.workload.name}@${r.target.commit}:${r.outcome}`),
    ['a@c2:NotApplied', 'b@c1:NotApplied'],
  );
});

test('verifier: a reloaded limit starts the queued verifications now; a reloaded interval paces the next looks', async () => {
  k = await cluster(['verify']);
  const api = k.api;
  verifier = new RolloutVerifier({ client: k.client, log: silent, intervalMs: 25, maxConcurrent: 1 });
  for (const name of ['a', 'b']) api.apply({ ...workload('Deployment', IMAGE_OLD, complete('Deployment')), metadata: { name, namespace: 'shop', generation: 2 } });
  const t = (name: string): VerifyTarget => ({ ...target('Deployment', 60_000), workload: { namespace: 'shop', kind: 'Deployment', name } });
  const looks = (name: string) => api.calls.filter((c) => c.resource === 'deployments' && c.name === name).length;
  verifier.verify(t('a'));
  verifier.verify(t('b'));
  await sleep(150);
  assert.equal(looks('b'), 0, 'b waits behind a');
  verifier.reconfigure({ intervalMs: 5_000, maxConcurrent: 2 });
  const deadline = Date.now() + 10_000;
  while (looks('b') === 0 && Date.now() < deadline) await sleep(10);
  assert.equal(looks('b'), 1, 'b started when the limit rose');
  // Each look already waiting keeps its timer; the one after it waits the new interval.
  await sleep(300);
  const aNow = looks('a');
  const bNow = looks('b');
  await sleep(1_000);
  assert.ok(looks('a') <= aNow + 1, 'a looks at most once more in a second at a 5 s interval');
  assert.equal(looks('b'), bNow, 'b waits 5 s for its next look');
});
