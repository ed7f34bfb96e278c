import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelay } from '../../src/automation/cycle.ts';

test('retry waits grow from a quarter second and stay within four seconds', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((a) => retryDelay(a, () => 1)),
    [250, 500, 1000, 2000, 4000, 4000],
  );
  assert.deepEqual(
    [1, 2, 3].map((a) => retryDelay(a, () => 0)),
    [125, 250, 500],
  );
});

test('five attempts wait under eight seconds in all, even at the worst draw', () => {
  const total = [1, 2, 3, 4].reduce((sum, a) => sum + retryDelay(a, () => 1), 0);
  assert.ok(total < 8_000, `${total} ms`);
});
