import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Writable } from 'node:stream';
import { EventRecorder, MemoryCounters, type EventSpec } from '../../src/kube/index.ts';
import { MICRO_TIME, type Fields, type KubeObject } from '../harness/kube/index.ts';
import { cluster, manualClock, silent, type Cluster } from './double.ts';

let k: Cluster | undefined;
afterEach(() => k?.stop());

const POD = { name: 'tagpilot-5c9d-x7k2p', namespace: 'tagpilot', uid: '4c5e0a8e-0000-4000-8000-000000000001' };
const web = { namespace: 'shop', kind: 'Deployment', name: 'web' };
const updated: EventSpec = { workload: web, reason: 'Updated', action: 'Update', note: 'web: registry.example.com/shop/web 1.4.2 → 1.5.0 in commit 0123456789ab (automation fleet)' };
const blocked: EventSpec = { workload: web, reason: 'Blocked', action: 'Hold', note: 'soaking: 1.6.0 is 2h old; min-age is 1d' };

async function setup(components: string[], options: Partial<ConstructorParameters<typeof EventRecorder>[0]> = {}) {
  k = await cluster(components);
  k.api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: {} });
  const counters = new MemoryCounters();
  const clock = manualClock();
  const recorder = new EventRecorder({ client: k.client, pod: POD, log: silent, counters, now: clock.now, ...options });
  return { recorder, counters, clock, events: (ns: string) => k!.api.list('events.k8s.io/v1', 'Event', ns) as (KubeObject & Fields)[] };
}

test('events: an Updated Event is attached to the workload in its namespace when the cluster has it (workload-events component)', async () => {
  const { recorder, events } = await setup(['workload-events']);
  recorder.record(updated);
  await recorder.flush();
  const [event] = events('shop');
  assert.equal(event?.reason, 'Updated');
  assert.equal(event?.type, 'Normal');
  assert.equal(event?.action, 'Update');
  assert.equal(event?.note, updated.note);
  assert.equal(event?.reportingController, 'tagpilot.io/controller');
  assert.equal(event?.reportingInstance, POD.name);
  assert.match(event?.eventTime, MICRO_TIME);
  const deployment = k!.api.read('apps/v1', 'Deployment', 'shop', 'web')!;
  assert.deepEqual(event?.regarding, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', uid: deployment.metadata.uid });
  assert.deepEqual(k!.api.refused, []);
});

test("events: without read access to workloads (the base RBAC), the Event goes to tagpilot's Pod and names the workload; said once, at info", async () => {
  const lines: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write: (c, _e, cb) => {
        lines.push(String(c));
        cb();
      },
    }),
  );
  const { recorder, events } = await setup([], { log });
  recorder.record(updated);
  recorder.record({ ...updated, note: 'another' });
  await recorder.flush();
  const list = events('tagpilot');
  assert.equal(list.length, 2);
  assert.deepEqual(list[0]?.regarding, { apiVersion: 'v1', kind: 'Pod', namespace: 'tagpilot', name: POD.name, uid: POD.uid });
  assert.equal(list[0]?.note, `shop:deployment/web: ${updated.note}`);
  assert.equal(lines.filter((l) => l.includes('workload-events component')).length, 1);
  assert.deepEqual(
    k!.api.calls.filter((c) => c.status === 403).map((c) => `${c.verb} ${c.resource}`),
    ['get deployments'],
    'looked up once, then cached',
  );
});

test("events: a workload the cluster does not have: the Event goes to tagpilot's Pod", async () => {
  const { recorder, events } = await setup(['workload-events']);
  recorder.record({ ...updated, workload: { namespace: 'shop', kind: 'StatefulSet', name: 'db' } });
  await recorder.flush();
  assert.equal(events('tagpilot')[0]?.note, `shop:statefulset/db: ${updated.note}`);
  assert.deepEqual(events('shop'), []);
});

test("events: repeats fold into one Event's series (count, last time), patched once per flush", async () => {
  const { recorder, events, clock, counters } = await setup(['workload-events']);
  for (let i = 0; i < 5; i++) {
    recorder.record(blocked);
    clock.advance(60_000);
  }
  await recorder.flush();
  const list = events('shop');
  assert.equal(list.length, 1);
  assert.equal(list[0]?.series.count, 5);
  assert.equal(list[0]?.series.lastObservedTime, '2026-12-01T10:04:00.000000Z');
  assert.deepEqual(
    k!.api.calls.filter((c) => c.resource === 'events').map((c) => c.verb),
    ['create', 'patch'],
  );
  await recorder.flush();
  assert.equal(k!.api.calls.filter((c) => c.verb === 'patch').length, 1, 'nothing new: no patch');
  assert.equal(counters.get('tagpilot_events_total', { reason: 'Blocked', written: 'folded' }), 4);
});

test('events: a repeat after the series window starts a new Event', async () => {
  const { recorder, events, clock } = await setup(['workload-events'], { seriesWindowMs: 10 * 60_000 });
  recorder.record(blocked);
  await recorder.flush();
  clock.advance(11 * 60_000);
  recorder.record(blocked);
  await recorder.flush();
  assert.equal(events('shop').length, 2);
});

test('events: a storm of distinct Events is cut at the write budget; the rest are counted as dropped', async () => {
  const { recorder, events, counters, clock } = await setup(['workload-events'], { burst: 10, perMinute: 6 });
  for (let i = 0; i < 200; i++) recorder.record({ ...blocked, note: `soaking: 1.6.${i} is young` });
  await recorder.flush();
  assert.equal(events('shop').length, 10);
  assert.equal(counters.get('tagpilot_events_dropped_total', { reason: 'Blocked' }), 190);
  clock.advance(60_000);
  for (let i = 0; i < 20; i++) recorder.record({ ...blocked, note: `soaking: 1.7.${i} is young` });
  await recorder.flush();
  assert.equal(events('shop').length, 16, 'a minute later, six more');
});

test('events: memory holds a bounded number of series: the least recently seen is forgotten', async () => {
  const { recorder, events } = await setup(['workload-events'], { maxSeries: 2 });
  for (const note of ['a', 'b', 'c', 'a']) recorder.record({ ...blocked, note });
  await recorder.flush();
  assert.equal(events('shop').length, 4, '"a" was forgotten when "c" came, so its repeat is a new Event');
});

test('events: an API that fails never throws into the caller; it is logged and counted', async () => {
  const { recorder, counters } = await setup(['workload-events']);
  k!.api.faults.push({ verb: 'create', resource: 'events', status: 500, times: 1 });
  assert.doesNotThrow(() => recorder.record(updated));
  await recorder.flush();
  assert.equal(counters.get('tagpilot_event_errors_total', { action: 'create', code: 'kube-unavailable' }), 1);
  recorder.record(updated);
  await recorder.flush();
  assert.equal(counters.get('tagpilot_events_total', { reason: 'Updated', written: 'created' }), 1, 'the next one is written');
});

test('events: a note longer than the API takes (1 KiB) is cut, not refused', async () => {
  const { recorder, events } = await setup(['workload-events']);
  recorder.record({ ...updated, note: 'é'.repeat(2000) });
  await recorder.flush();
  const note = events('shop')[0]?.note as string;
  assert.ok(Buffer.byteLength(note) <= 1024 && note.endsWith('...'));
});
