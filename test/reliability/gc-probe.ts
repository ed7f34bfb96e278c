/**
 * Preloaded into the long run's `tagpilot run` child (`--expose-gc --import` this file), so the
 * test can read memory after a full garbage collection: on SIGUSR2 it collects and writes
 * `process.memoryUsage()` and RssAnon as one JSON line to descriptor 3 (a pipe the test opened). Raw RSS
 * mixes garbage not yet collected with what is really kept; after a collection only what is kept
 * (and what the allocator has not given back) remains. Nothing of tagpilot's code is changed.
 *
 * To find what grows: with SOAK_HEAP_SNAPSHOTS=DIR and SOAK_HEAP_SNAPSHOT_READINGS=6,60 (reading
 * numbers, from 1) it also writes a heap snapshot after those readings' collections, for
 * `node bench/heap-summary.ts` (one of them alone, or `--diff` against an earlier one).
 */
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapCodeStatistics, getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { rssAnonKiB } from '../harness/proc.ts';
import { anonBreakdown } from './smaps.ts';

const gc = (globalThis as { gc?: (options?: { type: 'major'; execution: 'sync' }) => void }).gc;
if (gc === undefined) throw new Error('gc-probe.ts needs node --expose-gc');
const collect = gc;

const snapshots = process.env.SOAK_HEAP_SNAPSHOTS;
const snapshotAt = new Set((process.env.SOAK_HEAP_SNAPSHOT_READINGS ?? '').split(',').filter(Boolean).map(Number));
let readings = 0;

// A signal listener does not keep the process alive: `tagpilot run` still exits on SIGTERM as it does without it.
process.on('SIGUSR2', () => {
  collect({ type: 'major', execution: 'sync' });
  if (snapshots !== undefined && snapshotAt.has(++readings)) writeHeapSnapshot(join(snapshots, `reading-${readings}.heapsnapshot`));
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const rssAnon = rssAnonKiB(readFileSync('/proc/self/status', 'utf8')) * 1024;
  // Which of V8's spaces holds what (a growing code or large-object space shows here), and where
  // the anonymous memory beyond the heap lives: V8's pages, its code range or malloc's arenas.
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size, committed: s.physical_space_size }]));
  const { code_and_metadata_size: code, bytecode_and_metadata_size: bytecode } = getHeapCodeStatistics();
  const anonKiB = anonBreakdown(readFileSync('/proc/self/smaps', 'utf8'));
  writeSync(3, `${JSON.stringify({ rss, rssAnon, heapUsed, heapTotal, external, arrayBuffers, spaces, code, bytecode, anonKiB })}\n`);
});
