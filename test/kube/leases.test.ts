import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, LeaseCoordinator, MemoryCounters } from '../../src/kube/index.ts';
import { MICRO_TIME } from '../harness/kube/index.ts';
import { cluster, manualClock, silent, type Cluster } from './double.ts';
import { ControllerState, stateReporter, Supervisor } from '../../src/runtime/index.ts';
import { until } from '../harness/wait.ts';

const AUTOMATIONS = Array.from({ length: 12 }, (_, i) => `fleet-${i}`).sort();
const D = 15_000;
let k: Cluster;
beforeEach(async () => (k = await cluster()));
afterEach(() => k.stop());

function replica(identity: string, clock: ReturnType<typeof manualClock>, namespace = 'tagpilot') {
  const counters = new MemoryCounters();
  const c = new LeaseCoordinator({ client: k.client, namespace, identity, durationMs: D, now: clock.now, random: () => 0.5, log: silent, counters });
  c.setAutomations(AUTOMATIONS);
  return Object.assign(c, { counters });
}

function assertClean() {
  assert.deepEqual(k.api.refused, [], 'every request is one the API takes');
  assert.deepEqual(
    k.api.calls.filter((c) => c.status === 403),
    [],
    'the RBAC of config/ allows every request',
  );
}

test('leases: a lone replica holds every automation; a second one joining takes about half, none held twice', async () => {
  const clock = manualClock();
  const a = replica('tagpilot-5c9-a', clock);
  await a.tick();
  assert.deepEqual(a.held(), AUTOMATIONS);
  const b = replica('tagpilot-5c9-b', clock);
  // b announces itself; a releases what rendezvous hashing gives b; b takes it on its next round.
  for (let i = 0; i < 2; i++) {
    clock.advance(4000);
    await b.tick();
    await a.tick();
  }
  clock.advance(4000);
  await b.tick();
  const [ha, hb] = [a.held(), b.held()];
  assert.ok(ha.length > 0 && hb.length > 0, `a holds ${ha.length}, b ${hb.length}`);
  assert.deepEqual([...ha, ...hb].sort(), [...AUTOMATIONS].sort(), 'each automation held once');
  assert.equal(a.counters.get('tagpilot_lease_transitions_total', { action: 'release' }), hb.length);
  assertClean();
  await a.stop();
  await b.stop();
});

test('leases: a replica that dies (no more renewals) loses its automations to the other within the lease duration plus a round', async () => {
  const clock = manualClock(Date.parse('2026-12-02T10:00:00Z'));
  const a = replica('tagpilot-6d1-a', clock);
  const b = replica('tagpilot-6d1-b', clock);
  for (let i = 0; i < 3; i++) {
    await a.tick();
    await b.tick();
    clock.advance(4000);
  }
  const lost = a.held();
  assert.ok(lost.length > 0);
  // a is killed: it never writes again. b keeps its rounds, 4 s apart.
  // Within the lease duration plus one round: a's member Lease expires, then its automation Leases.
  for (let waited = 0; waited < D + 4000 && b.held().length < AUTOMATIONS.length; waited += 4000) {
    clock.advance(4000);
    await b.tick();
  }
  assert.deepEqual(b.held(), AUTOMATIONS);
  assert.deepEqual(a.held(), [], 'a dead replica trusts its holds no longer than two thirds of the duration');
  assertClean();
  await b.stop();
});

test('leases: stop() releases every Lease held, and the other replica takes them on its next round', async () => {
  const clock = manualClock(Date.parse('2026-12-03T10:00:00Z'));
  const a = replica('tagpilot-7e2-a', clock);
  const b = replica('tagpilot-7e2-b', clock);
  await a.tick();
  await b.tick();
  await a.stop();
  assert.deepEqual(a.held(), []);
  clock.advance(1000);
  await b.tick();
  clock.advance(1000);
  await b.tick();
  assert.deepEqual(b.held(), AUTOMATIONS, 'taken at once: a released member and automation Leases');
  await b.stop();
});

/** Who holds each automation's Lease, per the double. */
const holders = () =>
  k.api
    .list('coordination.k8s.io/v1', 'Lease', 'tagpilot')
    .filter((l) => (l.metadata.labels as Record<string, string> | undefined)?.['tagpilot.io/lease'] === 'automation')
    .map((l) => (l.spec as { holderIdentity?: string }).holderIdentity);

test('leases: stop() releases the Leases that still name this replica after its own trust in them lapsed (a late round on a busy machine)', async () => {
  // The e2e's SIGTERM under load: the last renewal was more than two thirds of the duration ago
  // when stop() came, so held() was empty, and the Leases kept naming a replica that had exited.
  const clock = manualClock(Date.parse('2026-12-03T11:00:00Z'));
  const a = replica('tagpilot-7e3-a', clock);
  await a.tick();
  assert.equal(holders().length, AUTOMATIONS.length);
  clock.advance((D * 2) / 3 + 1);
  assert.deepEqual(a.held(), [], 'no longer trusted by its holder');
  await a.stop();
  assert.deepEqual(holders(), Array(AUTOMATIONS.length).fill(undefined), 'every Lease released');
  assertClean();
});

test('leases: stop() leaves alone a Lease another replica took since this one last held it', async () => {
  const clock = manualClock(Date.parse('2026-12-03T12:00:00Z'));
  const a = replica('tagpilot-7e4-a', clock);
  const b = replica('tagpilot-7e4-b', clock);
  await a.tick();
  // a stops renewing (a partition); b takes every Lease once they expire, while a still trusts nothing.
  for (let waited = 0; waited < 2 * D + 8000 && b.held().length < AUTOMATIONS.length; waited += 4000) {
    clock.advance(4000);
    await b.tick();
  }
  assert.deepEqual(b.held(), AUTOMATIONS);
  await a.stop();
  assert.deepEqual(holders(), Array(AUTOMATIONS.length).fill('tagpilot-7e4-b'), "b's holds are untouched by a's stale view");
  assert.equal(a.counters.get('tagpilot_lease_errors_total', { action: 'release', code: 'kube-conflict' }), AUTOMATIONS.length, 'each release refused on its stale resourceVersion');
  await b.stop();
});

test('leases: on the wire, renewTime and acquireTime are MicroTime and the holder is the Pod name', async () => {
  const clock = manualClock(Date.parse('2026-12-04T10:00:00Z'));
  const a = replica('tagpilot-8f3-a', clock);
  a.setAutomations(['platform/fleet']);
  await a.tick();
  const lease = k.api.list('coordination.k8s.io/v1', 'Lease', 'tagpilot').find((l) => (l.metadata.annotations as Record<string, string> | undefined)?.['tagpilot.io/automation'] === 'platform/fleet');
  const spec = lease?.spec as { holderIdentity: string; renewTime: string; acquireTime: string; leaseDurationSeconds: number };
  assert.equal(spec.holderIdentity, 'tagpilot-8f3-a');
  assert.match(spec.renewTime, MICRO_TIME);
  assert.equal(spec.renewTime, '2026-12-04T10:00:00.000000Z');
  assert.match(spec.acquireTime, MICRO_TIME);
  assert.equal(spec.leaseDurationSeconds, 15);
  await a.stop();
});

test('leases: an API that fails is logged and counted, and the holds run out two thirds of the duration after the last renewal', async () => {
  const clock = manualClock(Date.parse('2026-12-05T10:00:00Z'));
  const a = replica('tagpilot-9a4-a', clock);
  await a.tick();
  assert.equal(a.held().length, AUTOMATIONS.length);
  k.api.faults.push({ verb: 'list', resource: 'leases', status: 503, times: 100 });
  clock.advance(5000);
  await a.tick();
  assert.equal(a.held().length, AUTOMATIONS.length, 'still within the renew deadline');
  clock.advance(5000);
  await a.tick();
  assert.deepEqual(a.held(), []);
  assert.equal(a.counters.get('tagpilot_lease_errors_total', { action: 'list', code: 'kube-unavailable' }), 2);
});

test("leases: Leases outside tagpilot's namespace are refused by the RBAC of config/ (403), and nothing is held", async () => {
  const clock = manualClock();
  const a = replica('tagpilot-0b5-a', clock, 'default');
  await a.tick();
  assert.deepEqual(a.held(), []);
  const denied = k.api.calls.filter((c) => c.status === 403);
  assert.deepEqual(
    denied.map((c) => `${c.verb} ${c.resource} ${c.namespace}`),
    ['list leases default'],
  );
  assert.equal(a.counters.get('tagpilot_lease_errors_total', { action: 'list', code: 'kube-forbidden' }), 1);
});

test('leases: an API server that never answers costs a round its request timeout, not the replica', async () => {
  const clock = manualClock();
  // Long enough that the double answers the next round in time on a loaded machine.
  const client = await connect({ kubeconfig: k.kubeconfig, timeoutMs: 2000 });
  const counters = new MemoryCounters();
  const a = new LeaseCoordinator({ client, namespace: 'tagpilot', identity: 'tagpilot-1c6-a', durationMs: D, now: clock.now, log: silent, counters });
  a.setAutomations(AUTOMATIONS);
  k.api.faults.push({ verb: 'list', resource: 'leases', status: 'stall', times: 1 });
  const started = Date.now();
  await a.tick();
  assert.ok(Date.now() - started < 15_000, `the round ended after ${Date.now() - started} ms`);
  assert.equal(counters.get('tagpilot_lease_errors_total', { action: 'list', code: 'kube-unreachable' }), 1);
  await a.tick();
  assert.deepEqual(a.held(), AUTOMATIONS, 'the next round goes on');
  await a.stop();
});

test('leases: whenHeld resolves true for the holder at once, and for a standby on the round it takes the Lease over', async () => {
  const clock = manualClock(Date.parse('2026-12-06T10:00:00Z'));
  const a = replica('tagpilot-2d7-a', clock);
  const b = replica('tagpilot-2d7-b', clock);
  for (const r of [a, b]) r.setAutomations(['fleet#main']);
  await a.tick();
  await b.tick();
  const [leader, standby] = a.holds('fleet#main') ? [a, b] : [b, a];
  assert.equal(await leader.whenHeld('fleet#main', new AbortController().signal), true);
  let resolved: boolean | undefined;
  void standby.whenHeld('fleet#main', new AbortController().signal).then((held) => (resolved = held));
  clock.advance(1000);
  await standby.tick();
  assert.equal(resolved, undefined, 'waits while the other holds it');
  await leader.stop();
  clock.advance(1000);
  await standby.tick();
  await standby.tick();
  assert.equal(resolved, true);
  await standby.stop();
});

test('leases: whenHeld resolves false when its signal fires first (a SIGTERM on a standby)', async () => {
  const clock = manualClock(Date.parse('2026-12-07T10:00:00Z'));
  const a = replica('tagpilot-3e8-a', clock);
  const b = replica('tagpilot-3e8-b', clock);
  for (const r of [a, b]) r.setAutomations(['fleet#main']);
  await a.tick();
  await b.tick();
  const standby = a.holds('fleet#main') ? b : a;
  const stop = new AbortController();
  const waiting = standby.whenHeld('fleet#main', stop.signal);
  stop.abort();
  assert.equal(await waiting, false);
  await a.stop();
  await b.stop();
});

test('leases: a reload that changes the lease duration writes it at the next round; the holder keeps every Lease and trusts its hold for the new duration', async () => {
  const clock = manualClock(Date.parse('2026-12-03T10:00:00Z'));
  const a = replica('tagpilot-7e2-a', clock);
  await a.tick();
  const durations = () => new Set(k.api.list('coordination.k8s.io/v1', 'Lease', 'tagpilot').map((l) => (l.spec as { leaseDurationSeconds?: number }).leaseDurationSeconds));
  assert.deepEqual(durations(), new Set([D / 1000]));
  a.setDuration(3000);
  clock.advance(1000);
  await a.tick();
  assert.deepEqual(durations(), new Set([3]), 'every Lease (the member one too) says the new duration');
  assert.deepEqual(a.held(), AUTOMATIONS, 'no Lease changed hands');
  assert.equal(a.counters.get('tagpilot_lease_transitions_total', { action: 'release' }), 0);
  clock.advance(2500);
  assert.deepEqual(a.held(), [], 'past two thirds of the new duration without a renewal, the hold lapses');
  assertClean();
  await a.stop();
});

test('leases: a controller whose hold lapsed between two rounds (a late renewal) cycles the automation again from the round that renews it', async () => {
  // The lost wake-up behind the two-replica e2e's stalls under load: the runner saw holds() false
  // (two thirds of the duration passed without a round) and slept for a change; the round that
  // renewed the Lease changed nothing the coordinator had reported, so no change ever came.
  const clock = manualClock(Date.parse('2026-12-08T10:00:00Z'));
  const a = replica('tagpilot-4f9-a', clock);
  const state = new ControllerState('test.yaml');
  const supervisor = new Supervisor({ reporter: stateReporter(state), state, leadership: a });
  let cycles = 0;
  const cycle = async () => {
    cycles++;
    return { head: 'a'.repeat(40), changes: [], problems: [], locked: [] };
  };
  supervisor.apply([{ name: 'fleet#main', intervalMs: 5, cycleTimeoutMs: 60_000, fingerprint: 'v1', cycle }]);
  await a.tick();
  await until(() => cycles >= 2, 5_000, 'cycles while the Lease is held');
  clock.advance((D * 2) / 3 + 1);
  await until(() => state.automations.get('fleet#main')?.held === false, 5_000, 'the runner to see the hold lapse');
  const lapsed = cycles;
  await a.tick();
  assert.equal(a.holds('fleet#main'), true, 'the round renewed the Lease');
  await until(() => cycles > lapsed, 5_000, 'a cycle after the renewal');
  await supervisor.shutdown(10);
  await a.stop();
});
