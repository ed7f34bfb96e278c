/**
 * Peak memory of one cycle's read phase on hostile repository content, under the container's
 * heap flags (Dockerfile: --max-old-space-size=64 --max-semi-space-size=1, MALLOC_ARENA_MAX=2).
 *
 * Scenarios (each its own bare repository on a git http-backend server on 127.0.0.1):
 * - many-keys: one 900 KB ConfigMap of ~30,000 keys, next to a normal Deployment;
 * - big-scalars: three files, each one ~900 KB scalar;
 * - 200x900k: 200 files of ~900 KB (ConfigMaps of ~7,000 keys), the repository;
 * - 200x250k: 200 files of ~250 KB of dense keys, just within the default per-file limit, all of
 *   them parsed: memory stays flat however many files there are;
 * - the first three again with the limits raised (1 MiB per file, 256 MiB per cycle), which needs
 *   a larger heap: reported, not held to the limit.
 * For each, a first child process clones (the clone is a cache; its memory is the Git layer's,
 * reported but not held to the limit here), then a second one, with the container's flags,
 * plans a cycle on the clone: sync (nothing new), read, parse, find slots. Its peak RSS is the
 * figure; it must stay under LIMIT_MIB. The children run the compiled build, as the container
 * does (type stripping alone costs some 25 MiB more).
 *
 * Run: node bench/memory.bench.ts — compiles the sources module by module first (tsc, into
 * .cache/tsc-dist: dist/ is one bundle, whose modules it cannot import one by one), prints one JSON object.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { random } from './random.ts';

/** A module of the compiled build (what the container runs). */
const DIST = (path: string) => new URL(`${process.env.BENCH_DIST ?? '../.cache/tsc-dist'}/${path}`, import.meta.url).href;

/** The RSS the container must stay under (docs/registries.md#memory). */
const LIMIT_MIB = 128;
const CONTAINER_FLAGS = ['--max-old-space-size=64', '--max-semi-space-size=1'];
const KB = 1000;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/team/web:1.0.0
`;

function configMap(name: string, bytes: number, line: (i: number) => string): string {
  const lines = [`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata:\n`];
  let size = lines[0]!.length;
  for (let i = 0; size < bytes; i++) {
    const next = line(i);
    lines.push(next);
    size += next.length;
  }
  return lines.join('');
}

function manyKeys(name: string, bytes: number): string {
  return configMap(name, bytes, (i) => `  key-${String(i).padStart(6, '0')}: "value-${i}"\n`);
}

function mediumKeys(name: string, bytes: number, seed: number): string {
  const next = random(seed);
  return configMap(
    name,
    bytes,
    (i) =>
      `  setting-${i}: "${Math.floor(next() * 1e15)
        .toString(36)
        .repeat(8)}"\n`,
  );
}

function bigScalar(name: string, bytes: number, seed: number): string {
  const next = random(seed);
  const chars = Array.from({ length: bytes }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata:\n  blob: "${chars}"\n`;
}

interface Scenario {
  name: string;
  files: () => Record<string, string>;
  /** Extra config for the planning child, as JSON (read limits); ignored by code without them. */
  limits?: Record<string, number>;
  /** Reported only: the densest content the defaults let through, and raised limits. */
  reportOnly?: boolean;
}

const held = (scenario: Scenario) => scenario.reportOnly !== true;

const RAISED = { maxFileBytes: 1024 * 1024, maxCycleBytes: 256 * 1024 * 1024 };

const SCENARIOS: Scenario[] = [
  { name: 'many-keys: 1 × 900 KB of ~30,000 keys', files: manyKeysRepo },
  { name: 'big-scalars: 3 × 900 KB scalars', files: bigScalars },
  { name: '200x900k: 200 × 900 KB ConfigMaps', files: twoHundred },
  { name: '200x250k: 200 × 250 KB of ~8,000 keys each, all within the default limits (50 MB parsed)', files: twoHundredWithinLimits, reportOnly: true },
  { name: 'many-keys, limits raised (maxFileSize 1MiB, maxCycleSize 256MiB)', files: manyKeysRepo, limits: RAISED, reportOnly: true },
  { name: 'big-scalars, limits raised', files: bigScalars, limits: RAISED, reportOnly: true },
  { name: '200x900k, limits raised: every file parsed', files: twoHundred, limits: RAISED, reportOnly: true },
];

function manyKeysRepo(): Record<string, string> {
  return { 'apps/web.yaml': DEPLOYMENT, 'apps/settings.yaml': manyKeys('settings', 900 * KB) };
}

function bigScalars(): Record<string, string> {
  return { 'apps/web.yaml': DEPLOYMENT, ...Object.fromEntries([1, 2, 3].map((i) => [`apps/blob-${i}.yaml`, bigScalar(`blob-${i}`, 900 * KB, i)])) };
}

function twoHundred(): Record<string, string> {
  const files: Record<string, string> = { 'apps/web.yaml': DEPLOYMENT };
  for (let i = 0; i < 200; i++) files[`apps/config-${String(i).padStart(3, '0')}.yaml`] = mediumKeys(`config-${i}`, 900 * KB, i);
  return files;
}

function twoHundredWithinLimits(): Record<string, string> {
  const files: Record<string, string> = { 'apps/web.yaml': DEPLOYMENT };
  for (let i = 0; i < 200; i++) files[`apps/config-${String(i).padStart(3, '0')}.yaml`] = manyKeys(`config-${i}`, 250 * KB);
  return files;
}

if (process.argv[2] === '--child') await child(process.argv[3] as 'clone' | 'plan', process.argv[4]!, process.argv[5]!, process.argv[6]);
else await main();

async function main(): Promise<void> {
  if (process.env.BENCH_DIST === undefined) execFileSync(process.execPath, [join(import.meta.dirname, '../node_modules/typescript/bin/tsc'), '-p', join(import.meta.dirname, '../tsconfig.build.json')], { stdio: 'inherit' });
  const { startGitServer } = await import('../test/harness/git-server.ts');
  const { createBareRepo } = await import('../test/harness/git-repos.ts');
  const server = await startGitServer();
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-memory-'));
  const results = [];
  try {
    const repos = new Map<() => Record<string, string>, string>();
    for (const [index, scenario] of SCENARIOS.entries()) {
      let name = repos.get(scenario.files);
      if (name === undefined) {
        name = `repo-${index}`;
        createBareRepo(server.root, name, scenario.files());
        repos.set(scenario.files, name);
      }
      const cache = mkdtempSync(join(work, 'cache-'));
      const url = server.repoUrl(name);
      const clone = await run('clone', url, cache, [], undefined);
      const plan = await run('plan', url, cache, CONTAINER_FLAGS, scenario.limits);
      results.push({ scenario: scenario.name, clone, plan, mustHold: held(scenario), underLimit: plan.ok && plan.peakRssMiB < LIMIT_MIB });
      rmSync(cache, { recursive: true, force: true });
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const holds = results.every((r) => !r.mustHold || r.underLimit);
  process.stdout.write(`${JSON.stringify({ name: 'memory', limitMiB: LIMIT_MIB, holds, flags: CONTAINER_FLAGS.join(' '), node: process.version, results }, null, 1)}\n`);
}

interface ChildResult {
  ok: boolean;
  peakRssMiB: number;
  ms: number;
  files?: number;
  problems?: number;
  codes?: Record<string, number>;
  error?: string;
}

/** Runs one child (asynchronously: the Git server it talks to lives in this process). */
async function run(step: 'clone' | 'plan', url: string, cache: string, flags: string[], limits: Record<string, number> | undefined): Promise<ChildResult> {
  const started = performance.now();
  const proc = spawn(process.execPath, [...flags, import.meta.filename, '--child', step, url, cache, JSON.stringify(limits ?? {})], {
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  const status = await new Promise<number | null>((resolve) => proc.once('close', resolve));
  const ms = Math.round(performance.now() - started);
  if (status !== 0) return { ok: false, peakRssMiB: NaN, ms, error: (stderr.split('\n').find((l) => /heap|memory|Error/i.test(l)) ?? stderr.slice(-300)).trim() };
  return { ...(JSON.parse(stdout) as ChildResult), ms };
}

async function child(step: 'clone' | 'plan', url: string, cache: string, limitsJson: string | undefined): Promise<void> {
  const { GitRepo } = (await import(DIST('git/repo.js'))) as typeof import('../src/git/repo.ts');
  const repo = GitRepo.forRemote(cache, { url, branch: 'main' });
  let result: Omit<ChildResult, 'ms' | 'peakRssMiB'> = { ok: true };
  if (step === 'clone') {
    await repo.sync();
  } else {
    const { plan } = (await import(DIST('automation/cycle.js'))) as typeof import('../src/automation/cycle.ts');
    const { RegistryClient } = (await import(DIST('registry/client.js'))) as typeof import('../src/registry/client.ts');
    const pino = (await import('pino')).default;
    const limits = JSON.parse(limitsJson ?? '{}') as Record<string, number>;
    const planned = await plan({ repo, tags: new RegistryClient(), branch: 'main', paths: ['.'], author: { name: 'b', email: 'b@example.com' }, log: pino({ level: 'silent' }), ...limits });
    const codes: Record<string, number> = {};
    for (const p of planned.problems) codes[p.code] = (codes[p.code] ?? 0) + 1;
    result = { ok: true, problems: planned.problems.length, codes };
  }
  await repo.close();
  process.stdout.write(JSON.stringify({ ...result, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}
