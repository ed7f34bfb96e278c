/**
 * The long kill -9 run (`npm run soak`): SOAK_KILLS (default 100) children killed at random
 * moments on one cache; prints its figures as JSON. See crash.ts for what is checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCrashes } from './crash.ts';

test('soak: tagpilot run killed with SIGKILL at random moments over 100 cycles: fsck clean, every update committed once, no cycle failed by the cache, no process left', async () => {
  const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
  const kills = Number(process.env.SOAK_KILLS ?? 100);
  const { figures, violations } = await runCrashes({ kills, seed });
  console.log(JSON.stringify({ soak: 'crash', ...figures }));
  assert.deepEqual(violations, [], `seed ${seed}`);
});
