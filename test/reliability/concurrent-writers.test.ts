/**
 * The short concurrent-writers run (seconds, in `npm test`); `npm run soak` runs the long one.
 * See concurrent-writers.ts for what is checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConcurrentWriters } from './concurrent-writers.ts';

test('three writers and a human on one branch while tags arrive: every update lands, fast-forward only, no downgrade, no ping-pong, no duplicate', async (t) => {
  const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
  const { figures, violations } = await runConcurrentWriters({ writers: 3, seconds: 6, minArrivals: 6, intervalMs: 300, tagEveryMs: 400, humanEveryMs: 1_200, drainMs: 20_000, seed });
  t.diagnostic(`seed ${seed}: ${JSON.stringify(figures)}`);
  assert.deepEqual(violations, [], `seed ${seed}: ${JSON.stringify(figures)}`);
  assert.ok(figures.landedByWriters >= 1, `nothing for the writers to do: ${JSON.stringify(figures)}`);
});
