/**
 * `npm run bench [-- name…]`: runs each `bench/*.bench.ts` in its own process (so peak RSS is
 * its own) and prints one JSON array of their results.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const wanted = process.argv.slice(2);
const dir = import.meta.dirname;
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const results: unknown[] = [];
for (const file of benches) {
  process.stderr.write(`bench: ${file}\n`);
  const out = execFileSync(process.execPath, [join(dir, file)], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  results.push(JSON.parse(out.toString()));
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
