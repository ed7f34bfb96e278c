/**
 * The long run (`npm run soak`): `tagpilot run` on a 1 s interval for SOAK_SECONDS (default 600)
 * while tags arrive and a person pushes; prints its figures as JSON. See long-run.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { MAX_PACK_FDS, runLong } from './long-run.ts';

/** 1 MiB a minute is about 20 KiB a cycle at 45 cycles a minute, 1.4 GiB a day; measured: within ±0.3 over a 150 s half. */
const RSS_SLOPE_MIB_PER_MINUTE = 1;
/** One descriptor left open every two minutes. */
const FD_SLOPE_PER_MINUTE = 0.5;

test('soak: tagpilot run on a 1 s interval for minutes: RSS and open file descriptors flat, no cycle failed', async () => {
  const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
  const seconds = Number(process.env.SOAK_SECONDS ?? 600);
  const warmupSeconds = Number(process.env.SOAK_WARMUP_SECONDS ?? 120);
  const { figures, logs } = await runLong({ seconds, tagEveryMs: 5_000, humanEveryMs: 3_000, warmupSeconds, gcEverySeconds: 5, seed, seriesFile: process.env.SOAK_SERIES });
  console.log(JSON.stringify({ soak: 'long-run', seed, ...figures }));
  if (process.env.SOAK_LOGS !== undefined) writeFileSync(process.env.SOAK_LOGS, logs);
  assert.equal(figures.exitCode, 0, logs.slice(-2_000));
  const failures = logs.split('\n').filter((line) => line.includes('"msg":"cycle failed"'));
  assert.deepEqual(failures, [], `${failures.length} cycles failed`);
  // Anonymous RSS, not VmRSS: VmRSS also counts the node binary's code pages, which the kernel
  // drops and reads back as the machine needs memory (a 17.5 MiB swing in one run), whatever the
  // process does. VmRSS is reported beside it.
  for (const [what, memory] of [
    ['anonymous RSS', figures.rssAnonMiB],
    ['anonymous RSS after a collection', figures.gcRssAnonMiB],
    ['the heap after a collection', figures.gcHeapMiB],
  ] as const) {
    assert.ok(memory.slopePerMinute < RSS_SLOPE_MIB_PER_MINUTE, `${what} grows ${memory.slopePerMinute} MiB/min after the warm-up: ${JSON.stringify(memory)}`);
  }
  assert.ok(figures.fds.slopePerMinute < FD_SLOPE_PER_MINUTE, `open files (packs aside) grow ${figures.fds.slopePerMinute}/min: ${JSON.stringify(figures.fds)}`);
  assert.ok(figures.packFds.max <= MAX_PACK_FDS, `${figures.packFds.max} packs open at once: ${JSON.stringify(figures.packFds)}`);
});
