/**
 * The long concurrent-writers run (`npm run soak`): minutes of writers, a human and arriving
 * tags on one branch; prints its figures as JSON. SOAK_SECONDS (default 180), SOAK_WRITERS (2 or
 * 3, default 3) and SOAK_SEED replay or stretch a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConcurrentWriters } from './concurrent-writers.ts';

test('soak: concurrent writers and a human for minutes: every update lands, fast-forward only, no downgrade, no ping-pong, no duplicate', async () => {
  const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
  const seconds = Number(process.env.SOAK_SECONDS ?? 180);
  const writers = process.env.SOAK_WRITERS === '2' ? 2 : 3;
  const { figures, violations } = await runConcurrentWriters({ writers, seconds, intervalMs: 1_000, tagEveryMs: 1_500, humanEveryMs: 6_000, drainMs: 60_000, seed });
  console.log(JSON.stringify({ soak: 'concurrent-writers', seed, ...figures }));
  assert.deepEqual(violations, [], `seed ${seed}`);
});
