/**
 * What loading the Kubernetes client costs (@kubernetes/client-node, loaded only when a feature
 * needs the API): wall and CPU time to import it, peak RSS and heap, against undici alone (which
 * tagpilot loads anyway), with the image's flags (64 MiB heap cap, MALLOC_ARENA_MAX=2). Each in
 * a fresh process, medians.
 * Run: node bench/kube-import.bench.ts [runs] — prints one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const RUNS = Number(process.argv[2] ?? 9);
const root = join(import.meta.dirname, '..');

const script = (what: string) => `
const t0 = performance.now();
await import(${JSON.stringify(what)});
const ms = performance.now() - t0;
const u = process.resourceUsage();
console.log(JSON.stringify({ ms, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, rssMiB: u.maxRSS / 1024, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 }));`;

interface Sample {
  ms: number;
  cpuMs: number;
  rssMiB: number;
  heapMiB: number;
}

function measure(what: string): Sample {
  const result = spawnSync(process.execPath, ['--max-old-space-size=64', '--max-semi-space-size=1', '--input-type=module', '-e', script(what)], { cwd: root, encoding: 'utf8', env: { ...process.env, MALLOC_ARENA_MAX: '2' } });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as Sample;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function bench(what: string): Sample {
  measure(what);
  const runs = Array.from({ length: RUNS }, () => measure(what));
  return { ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)), rssMiB: median(runs.map((r) => r.rssMiB)), heapMiB: median(runs.map((r) => r.heapMiB)) };
}

const undici = bench('undici');
const clientNode = bench('@kubernetes/client-node');
const round = (s: Sample) => ({ ms: Math.round(s.ms), cpuMs: Math.round(s.cpuMs), rssMiB: Math.round(s.rssMiB * 10) / 10, heapMiB: Math.round(s.heapMiB * 10) / 10 });
const added = { rssMiB: Math.round((clientNode.rssMiB - undici.rssMiB) * 10) / 10, heapMiB: Math.round((clientNode.heapMiB - undici.heapMiB) * 10) / 10 };
process.stdout.write(`${JSON.stringify({ bench: 'kube-import', runs: RUNS, undici: round(undici), '@kubernetes/client-node': round(clientNode), added }, null, 2)}\n`);
