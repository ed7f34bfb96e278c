/**
 * Preloaded into the long run's `tagpilot run` child (`--expose-gc --import` this file), so the
 * test can read memory after a full garbage collection: on SIGUSR2 it collects and writes
 * `process.memoryUsage()` as one JSON line to descriptor 3 (a pipe the test opened). Raw RSS
 * mixes garbage not yet collected with what is really kept; after a collection only what is kept
 * (and what the allocator has not given back) remains. Nothing of tagpilot's code is changed.
 */
import { writeSync } from 'node:fs';

const gc = (globalThis as { gc?: (options?: { type: 'major'; execution: 'sync' }) => void }).gc;
if (gc === undefined) throw new Error('gc-probe.ts needs node --expose-gc');
const collect = gc;

// A signal listener does not keep the process alive: `tagpilot run` still exits on SIGTERM as it does without it.
process.on('SIGUSR2', () => {
  collect({ type: 'major', execution: 'sync' });
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  writeSync(3, `${JSON.stringify({ rss, heapUsed, heapTotal, external, arrayBuffers })}\n`);
});
