/**
 * What each lazily loaded SDK adds to the process when a registry of its cloud (or a signature
 * policy) is first used: RSS and heap after importing tagpilot's module for it, in a fresh process
 * each, against the same process with only the registry client loaded. Median of 3 runs.
 */
import { execFileSync } from 'node:child_process';

const MODULES: Record<string, string> = {
  baseline: '',
  ecr: '../src/registry/cloud/ecr.ts',
  'ecr-public': '../src/registry/cloud/ecr-public.ts',
  gcp: '../src/registry/cloud/gcp.ts',
  acr: '../src/registry/cloud/acr.ts',
  'signatures (sigstore)': '../src/registry/signatures/verify.ts',
};

const probe = (module: string) => `
  await import(${JSON.stringify(new URL('../src/registry/client.ts', import.meta.url).href)});
  globalThis.gc?.();
  const before = process.memoryUsage();
  const started = performance.now();
  ${module === '' ? '' : `await import(${JSON.stringify(new URL(module, import.meta.url).href)});`}
  const ms = performance.now() - started;
  globalThis.gc?.();
  const after = process.memoryUsage();
  console.log(JSON.stringify({ rss: after.rss, heap: after.heapUsed, addedRss: after.rss - before.rss, ms }));
`;

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const MiB = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const results: Record<string, { rssMiB: number; addedRssMiB: number; heapMiB: number; importMs: number }> = {};
for (const [name, module] of Object.entries(MODULES)) {
  const runs = Array.from({ length: 3 }, () => JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', probe(module)]).toString()) as { rss: number; heap: number; addedRss: number; ms: number });
  results[name] = { rssMiB: MiB(median(runs.map((r) => r.rss))), addedRssMiB: MiB(median(runs.map((r) => r.addedRss))), heapMiB: MiB(median(runs.map((r) => r.heap))), importMs: Math.round(median(runs.map((r) => r.ms))) };
}
process.stdout.write(JSON.stringify({ bench: 'cloud-sdks', results }, null, 2) + '\n');
