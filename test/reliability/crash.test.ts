/**
 * The short kill -9 run (about 20 kills, seconds, in `npm test`); `npm run soak` runs the long
 * one. See crash.ts for what is checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCrashes } from './crash.ts';

/**
 * About 25 children, each a Node start and a cycle: some 30 s of CPU (43 s wall at load 7), which
 * a loaded machine stretches far past the suite's 180 s default. This bound is only a backstop:
 * a child that hangs is caught sooner, by the scenario's own per-child bound (crash.ts HANG_MS).
 */
const TIMEOUT_MS = 30 * 60_000;

test('tagpilot run killed with SIGKILL at random moments, restarted on the same cache: fsck clean, every update committed once, no cycle failed by the cache, no process left', { timeout: TIMEOUT_MS }, async (t) => {
  const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
  const { figures, violations } = await runCrashes({ kills: 20, seed });
  t.diagnostic(`seed ${seed}: ${JSON.stringify(figures)}`);
  assert.deepEqual(violations, [], `seed ${seed}: ${JSON.stringify(figures)}`);
  assert.ok(figures.botCommits >= 3, `too little happened to prove anything: ${JSON.stringify(figures)}`);
});
