/**
 * Registry benchmark: a cold scan of N repositories × M tags against a local CNCF Distribution,
 * then a warm cycle with nothing new. Prints one JSON object: requests, wall time, peak RSS.
 *
 *   node bench/registry.bench.ts [--repos 1000] [--tags 1000] [--storage DIR] [--created] [--node-flags FLAGS]
 *
 * Seeding runs in this process; the scan runs in a child process so its peak RSS is the
 * client's alone. --storage keeps the seeded registry data for the next run. --created adds
 * build-time ordering (HEAD + manifest + config per new digest), for small runs.
 *
 * The scan child runs with the heap settings docs/registries.md recommends for deployments
 * (--node-flags '' for V8's defaults): the live set is small, but on a large machine V8 lets the
 * heap grow far past it before collecting, and RSS follows.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseImageRef } from '../src/image/ref.ts';
import { parsePolicy, policyNeeds, selectTag } from '../src/policy/policy.ts';
import { RegistryClient } from '../src/registry/client.ts';
import { startRegistry } from '../test/harness/registry.ts';
import { seedManyTags } from '../test/harness/bulk.ts';

const RECOMMENDED_FLAGS = '--max-old-space-size=32 --max-semi-space-size=1';
const { values } = parseArgs({
  options: {
    repos: { type: 'string', default: '1000' },
    tags: { type: 'string', default: '1000' },
    storage: { type: 'string' },
    created: { type: 'boolean', default: false },
    scan: { type: 'string' },
    cache: { type: 'string' },
    'node-flags': { type: 'string', default: RECOMMENDED_FLAGS },
  },
});
const repos = Number(values.repos);
const tagsPerRepo = Number(values.tags);
const repoName = (i: number) => `bench/app-${String(i).padStart(5, '0')}`;
const tagName = (i: number) => `1.${Math.floor(i / 100)}.${i % 100}`;

if (values.scan !== undefined) await scan(values.scan, values.cache!);
else await main();

async function main(): Promise<void> {
  const storage = values.storage;
  const seeded = storage !== undefined && existsSync(join(storage, `seeded-${repos}x${tagsPerRepo}`));
  const registry = await startRegistry(storage === undefined ? {} : { storage });
  // The client's disk cache starts empty every run (a cold scan), and goes with the run.
  const cache = mkdtempSync(join(tmpdir(), 'tagpilot-bench-cache-'));
  try {
    const seedStart = performance.now();
    if (!seeded) {
      const names = Array.from({ length: tagsPerRepo }, (_, i) => tagName(i));
      for (let i = 0; i < repos; i++) await seedManyTags(registry.url, registry.storage, repoName(i), names, { indexLinks: false });
      if (storage !== undefined) {
        mkdirSync(storage, { recursive: true });
        writeFileSync(join(storage, `seeded-${repos}x${tagsPerRepo}`), '');
      }
    }
    const seedMs = Math.round(performance.now() - seedStart);
    const nodeFlags = values['node-flags'].split(' ').filter(Boolean);
    const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
    const child = spawn(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), '--scan', registry.host, '--cache', cache, '--repos', String(repos), '--tags', String(tagsPerRepo), ...(values.created ? ['--created'] : [])], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`scan failed with exit ${code}`);
    process.stdout.write(JSON.stringify({ repos, tagsPerRepo, seeded: seeded ? 'reused' : 'fresh', seedMs, nodeFlags: nodeFlags.join(' '), mallocArenaMax: env.MALLOC_ARENA_MAX, ...JSON.parse(out) }) + '\n');
  } finally {
    // A million-tag tree takes minutes to delete either way; rm(1) does it without the GiBs of RSS a recursive fs.rm holds.
    // (--storage keeps the tree for the next run instead.)
    if (storage === undefined) await promisify(execFile)('rm', ['-rf', registry.storage]);
    await registry.stop();
    rmSync(cache, { recursive: true, force: true });
  }
}

/** The registry half of a cycle: every repository once, selected by its policy, concurrently per host. */
async function scan(host: string, cacheDir: string): Promise<void> {
  const policy = parsePolicy(values.created ? 'semver:>=1.0.0' : 'semver:^1.0.0');
  const needs = values.created ? { created: true, digests: false, platforms: false } : policyNeeds(policy);
  // TTL 0: the warm cycle asks the registry again, as a cycle after the interval would.
  const client = new RegistryClient({ registries: [{ host, insecure: true, concurrency: 16 }], cacheDir, tagCacheTtlMs: 0 });
  const cycle = async () => {
    const before = client.stats();
    const started = performance.now();
    // Repositories in a bounded pool, as a cycle should: the host gate bounds requests, this bounds live lists.
    const results: { count: number; selected: string | null }[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < repos; i = next++) {
        const ref = parseImageRef(`${host}/${repoName(i)}:1.0.0`);
        const list = await client.listTags(ref, needs);
        results.push({ count: list.tags.length, selected: selectTag(policy, list.tags, { tag: ref.tag }).selected });
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    const after = client.stats();
    const byKind = Object.fromEntries(
      Object.entries(after.byKind)
        .map(([k, v]) => [k, v - (before.byKind[k] ?? 0)])
        .filter(([, v]) => (v as number) > 0),
    );
    return { requests: after.requests - before.requests, byKind, wallMs: Math.round(performance.now() - started), tagsSeen: results.reduce((a, r) => a + r.count, 0), selected: results[0]?.selected ?? null };
  };
  const timer = process.env.BENCH_MEM === undefined ? undefined : setInterval(() => process.stderr.write(JSON.stringify(process.memoryUsage()) + '\n'), 250);
  const baselineRssMiB = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
  const cold = await cycle();
  const warm = await cycle();
  clearInterval(timer);
  await client.close();
  process.stdout.write(JSON.stringify({ policy: policy.source, needs, cold, warm, baselineRssMiB, peakRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10 }));
}
