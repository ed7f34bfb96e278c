import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, HostGate, parseRetryAfter } from '../../src/registry/limits.ts';

describe('HostGate', () => {
  test('never runs more than `concurrency` requests at once', async () => {
    const gate = new HostGate({ concurrency: 3, requestsPerSecond: 0 });
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        gate.run(async () => {
          peak = Math.max(peak, ++active);
          await sleep(5);
          active--;
        }),
      ),
    );
    assert.equal(peak, 3);
  });

  test('spaces request starts by the rate limit', async () => {
    const gate = new HostGate({ concurrency: 10, requestsPerSecond: 100 });
    const starts: number[] = [];
    // Measured from the call, not the first start: a loaded machine may start the first one late, never the last one early.
    const called = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => gate.run(async () => void starts.push(Date.now()))));
    assert.ok(starts.at(-1)! - called >= 38, `5 starts at 100/s span at least 40 ms (got ${starts.at(-1)! - called})`);
  });

  test('a pause (Retry-After) holds every request to the host', async () => {
    const gate = new HostGate({ concurrency: 10, requestsPerSecond: 0 });
    // Timed from the pause itself: a loaded machine may take a while to reach the next line, never less.
    const started = Date.now();
    gate.pause(started + 60);
    await gate.run(async () => {});
    assert.ok(Date.now() - started >= 58, `held ${Date.now() - started} ms`);
  });

  test('each wait is told, as the registry asking (Retry-After) or our own budget', async () => {
    const waits: string[] = [];
    const paused = new HostGate({ concurrency: 10, requestsPerSecond: 0 }, (_ms, reason) => void waits.push(reason));
    paused.pause(Date.now() + 20);
    await paused.run(async () => {});
    const budget = new HostGate({ concurrency: 10, requestsPerSecond: 200 }, (_ms, reason) => void waits.push(reason));
    await Promise.all([budget.run(async () => {}), budget.run(async () => {})]);
    assert.deepEqual(waits, ['retry-after', 'budget']);
  });

  test('a failing request frees its slot', async () => {
    const gate = new HostGate({ concurrency: 1, requestsPerSecond: 0 });
    await assert.rejects(gate.run(async () => Promise.reject(new Error('boom'))));
    assert.equal(await gate.run(async () => 'next'), 'next');
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const cases: [string | undefined, number | undefined][] = [
    ['5', 5000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ];
  for (const [header, ms] of cases) test(`${JSON.stringify(header)} → ${ms}`, () => assert.equal(parseRetryAfter(header, now), ms));
});

describe('backoff', () => {
  test('grows exponentially, capped, with jitter in the upper half of each step', () => {
    assert.equal(
      backoffDelay(0, 100, 10_000, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(0, 100, 10_000, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(3, 100, 10_000, () => 0),
      400,
    );
    assert.equal(
      backoffDelay(20, 100, 10_000, () => 1),
      10_000,
    );
  });
});
