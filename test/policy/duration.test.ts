import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMER_MS, parseDuration, timerDelay } from '../../src/policy/duration.ts';

const valid: [string, number][] = [
  ['500ms', 500],
  ['90s', 90_000],
  ['5m', 300_000],
  ['1h30m', 5_400_000],
  ['1.5d', 129_600_000],
  ['2w', 1_209_600_000],
  [' 10m ', 600_000],
];
for (const [text, ms] of valid) {
  test(`"${text}" is ${ms} ms, in config intervals and min-age filters alike`, () => assert.equal(parseDuration(text), ms));
}

for (const text of ['', '5', 'soon', '5 m', '-5m', '1y', '1234567s', 'm5']) {
  test(`"${text}" is not a duration`, () => assert.equal(parseDuration(text), undefined));
}

test('timerDelay caps a delay past 2³¹−1 ms instead of letting Node fire it at once', () => {
  assert.equal(timerDelay(2 ** 31), MAX_TIMER_MS);
  assert.equal(timerDelay(30 * 86_400_000), MAX_TIMER_MS);
  assert.equal(timerDelay(1_500), 1_500);
  for (const bad of [Number.NaN, -5, 0]) assert.equal(timerDelay(bad), 0);
});

test('a timer given timerDelay(2⁴⁰) does not fire within 100 ms (an unclamped one fires after 1 ms)', async () => {
  let fired = false;
  const timer = setTimeout(() => (fired = true), timerDelay(2 ** 40));
  await new Promise((resolve) => setTimeout(resolve, 100));
  clearTimeout(timer);
  assert.equal(fired, false);
});
