import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Coalescer } from '../../../src/server/webhooks/coalesce.ts';

test('a steady stream for one key still flushes once per window: the window is fixed, not sliding', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const flushed: number[] = [];
  let now = 0;
  const coalescer = new Coalescer<string>(() => flushed.push(now), { windowMs: 100, maxPending: 10 });
  for (now = 0; now < 1_000; now += 10) {
    coalescer.add('team/app', 'team/app');
    t.mock.timers.tick(10);
  }
  assert.deepEqual(flushed, [90, 190, 290, 390, 490, 590, 690, 790, 890, 990]);
});

test('close drops what waits: nothing is flushed after it', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const flushed: string[] = [];
  const coalescer = new Coalescer<string>((item) => flushed.push(item), { windowMs: 100, maxPending: 10 });
  coalescer.add('a', 'a');
  coalescer.close();
  t.mock.timers.tick(1_000);
  assert.deepEqual([flushed, coalescer.pending], [[], 0]);
});
