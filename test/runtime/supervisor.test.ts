import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClonePool, ControllerState, readiness, stalls, stateReporter, Supervisor, type CycleSummary, type SupervisedAutomation } from '../../src/runtime/index.ts';
import { until } from '../harness/wait.ts';

const report = (commit?: string): CycleSummary => ({ head: 'a'.repeat(40), changes: [], problems: [], locked: [], ...(commit === undefined ? {} : { commit }) });

interface Fake extends SupervisedAutomation {
  calls: number;
  reasons: string[];
}

type Cycle = SupervisedAutomation['cycle'];

function fake(name: string, cycle: Cycle = async () => report(), extra: Partial<SupervisedAutomation> = {}): Fake {
  const a: Fake = {
    name,
    intervalMs: 20,
    cycleTimeoutMs: 60_000,
    fingerprint: 'v1',
    calls: 0,
    reasons: [],
    cycle: (signal, context) => {
      a.calls++;
      a.reasons.push(context?.reason ?? 'none');
      return cycle(signal, context);
    },
    ...extra,
  };
  return a;
}

function supervisor(state = new ControllerState('test.yaml')): Supervisor {
  return new Supervisor({ reporter: stateReporter(state), state });
}

test('a stuck automation never delays the others: they keep cycling on their own schedule', async () => {
  const state = new ControllerState('test.yaml');
  const s = supervisor(state);
  const stuck = fake('stuck', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))));
  const healthy = fake('healthy');
  s.apply([stuck, healthy]);
  await until(() => healthy.calls >= 5, 5_000, 'five cycles of the healthy automation');
  assert.equal(stuck.calls, 1);
  assert.equal(state.automations.get('healthy')?.lastOutcome, 'unchanged');
  assert.equal(state.automations.get('stuck')?.running, true);
  await s.shutdown(10);
});

test('a trigger runs a cycle now, and triggers during a cycle make one more cycle, not one each', async () => {
  const s = supervisor();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const a = fake(
    'a',
    async () => {
      await gate;
      return report();
    },
    { intervalMs: 60_000 },
  );
  s.apply([a]);
  await until(() => a.calls === 1);
  for (let i = 0; i < 5; i++) assert.equal(s.resync('a', 'webhook:git'), true);
  release();
  await until(() => a.calls === 2);
  await sleep(50);
  assert.equal(a.calls, 2);
  assert.deepEqual(a.reasons, ['schedule', 'webhook:git']);
  assert.equal(s.resync('nobody', 'webhook:git'), false);
  await s.shutdown(10);
});

test('an image push triggers only the automations whose cycles asked about that repository', async () => {
  const s = supervisor();
  const uses =
    (image: string): Cycle =>
    async (_signal, context) => {
      context?.usedImage(image);
      return report();
    };
  const web = fake('web', uses('registry.local/team/web'), { intervalMs: 60_000 });
  const api = fake('api', uses('registry.local/team/api'), { intervalMs: 60_000 });
  s.apply([web, api]);
  await until(() => web.calls === 1 && api.calls === 1);
  await sleep(10);
  assert.deepEqual(s.imagePushed('registry.local/team/web', 'webhook:registry'), ['web']);
  await until(() => web.calls === 2);
  assert.equal(api.calls, 1);
  await s.shutdown(10);
});

test('a reload starts new automations, stops removed ones, replaces changed ones and keeps the rest', async () => {
  const state = new ControllerState('test.yaml');
  const s = supervisor(state);
  const [kept, changed, removed] = [fake('kept'), fake('changed'), fake('removed')];
  s.apply([kept, changed, removed]);
  await until(() => kept.calls > 0 && changed.calls > 0 && removed.calls > 0);
  const changedV2 = fake('changed', undefined, { fingerprint: 'v2' });
  const added = fake('added');
  const { applied, settled } = s.apply([kept, changedV2, added]);
  assert.deepEqual(applied, { started: ['added'], replaced: ['changed'], stopped: ['removed'], kept: ['kept'] });
  await settled;
  await until(() => changedV2.calls > 0 && added.calls > 0);
  const removedCalls = removed.calls;
  await sleep(60);
  assert.equal(removed.calls, removedCalls, 'a removed automation cycles no more');
  assert.deepEqual([...state.automations.keys()].sort(), ['added', 'changed', 'kept']);
  await s.shutdown(10);
});

test('shutdown lets a cycle in progress end; past the deadline it is cancelled', async () => {
  const s = supervisor();
  let finished = false;
  const slow = fake(
    'slow',
    async () => {
      await sleep(100);
      finished = true;
      return report('c1');
    },
    { intervalMs: 60_000 },
  );
  s.apply([slow]);
  await until(() => slow.calls === 1);
  await s.shutdown(5_000);
  assert.equal(finished, true, 'the cycle in progress ran to its end');

  const s2 = supervisor();
  let cancelled = false;
  const stuck = fake(
    'stuck',
    (signal) =>
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => {
          cancelled = true;
          reject(new Error('cancelled'));
        }),
      ),
  );
  s2.apply([stuck]);
  await until(() => stuck.calls === 1);
  const started = performance.now();
  await s2.shutdown(50);
  assert.equal(cancelled, true);
  assert.ok(performance.now() - started < 2_000);
});

test('the watchdog names an automation with no finished cycle within interval + cycle timeout + grace; readiness waits for first cycles', async () => {
  const state = new ControllerState('test.yaml');
  const s = supervisor(state);
  const stuck = fake('stuck', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))), { cycleTimeoutMs: 30 });
  const healthy = fake('healthy');
  s.apply([stuck, healthy]);
  await until(() => healthy.calls >= 2 && stuck.calls >= 2, 5_000, 'cycles');
  const now = new Date(Date.now() + 200);
  assert.deepEqual(
    stalls(state.automations.values(), now).map((x) => x.automation),
    ['stuck'],
  );
  assert.equal(state.automations.get('stuck')?.lastOutcome, 'timed-out');
  assert.deepEqual(readiness(state.automations.values(), true), { ready: false, waiting: ['stuck'], heldElsewhere: [] });
  await s.shutdown(10);
});

test('the clone pool runs one writer at a time per key, and a waiter that gives up never runs', async () => {
  const pool = new ClonePool<string>();
  const order: string[] = [];
  const work = (name: string, ms: number) => async () => {
    order.push(`${name}+`);
    await sleep(ms);
    order.push(`${name}-`);
    return name;
  };
  const gaveUp = new AbortController();
  const results = Promise.allSettled([pool.exclusive('k', work('a', 30)), pool.exclusive('k', work('b', 1), gaveUp.signal), pool.exclusive('k', work('c', 1)), pool.exclusive('other', work('d', 1))]);
  gaveUp.abort();
  const [a, b, c, d] = await results;
  assert.deepEqual([a.status, b.status, c.status, d.status], ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  assert.deepEqual(
    order.filter((x) => !x.startsWith('d')),
    ['a+', 'a-', 'c+', 'c-'],
  );
  assert.ok(order.indexOf('d-') < order.indexOf('a-'), 'another key does not wait');
  assert.equal(
    pool.session('k', 'f1', () => 'one'),
    'one',
  );
  assert.equal(
    pool.session('k', 'f1', () => 'two'),
    'one',
  );
  assert.equal(
    pool.session('k', 'f2', () => 'three'),
    'three',
  );
});

test('after a push, the automation is told the branch its commits went to: git.pushBranch when set, else the branch it reads', async () => {
  const pushed: string[] = [];
  const afterPush = (p: { automation: string; branch: string }) => void pushed.push(`${p.automation} ${p.branch}`);
  const s = supervisor();
  const straight = fake('straight', async () => report('c1'), { intervalMs: 60_000, afterPush, repository: { url: 'https://git.example/a.git', branches: ['main'] } });
  const staged = fake('staged', async () => report('c2'), { intervalMs: 60_000, afterPush, repository: { url: 'https://git.example/b.git', branches: ['main'], pushBranch: 'deploy' } });
  s.apply([straight, staged]);
  await until(() => pushed.length === 2);
  assert.deepEqual(pushed.sort(), ['staged deploy', 'straight main']);
  await s.shutdown(10);
});

test('a replacement made before a cycle (a rotated Secret re-wired the automation) runs that cycle; the replaced one does not', async () => {
  const state = new ControllerState('test.yaml');
  const v2 = fake('a', undefined, { fingerprint: 'v2', intervalMs: 60_000 });
  let s!: Supervisor;
  let rotated = false;
  const beforeCycle = async () => {
    if (rotated) return;
    rotated = true;
    // The Secrets' re-read takes a while; then the config is applied again.
    await sleep(20);
    s.apply([v2]);
  };
  s = new Supervisor({ reporter: stateReporter(state), state, beforeCycle });
  const v1 = fake('a', undefined, { intervalMs: 60_000 });
  s.apply([v1]);
  await until(() => v2.calls === 1);
  assert.equal(v1.calls, 0, 'the old wiring never cycled');
  await s.shutdown(10);
});

test('a new leadership (leader election turned on or off by a reload) starts and stops the automations at once', async () => {
  const state = new ControllerState('test.yaml');
  const s = supervisor(state);
  const a = fake('a');
  s.apply([a]);
  await until(() => a.calls >= 2);
  const none = { holds: () => false, onChange: () => () => undefined, whenHeld: (_: string, signal: AbortSignal) => new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(false), { once: true })) };
  s.setLeadership(none);
  await until(() => state.automations.get('a')?.held === false);
  const stopped = a.calls;
  await sleep(60);
  assert.equal(a.calls, stopped, 'held elsewhere: no cycle');
  s.setLeadership({ holds: () => true, onChange: () => () => undefined, whenHeld: async () => true });
  await until(() => a.calls > stopped);
  await s.shutdown(10);
});
