/**
 * Registry benchmark: a cold scan of N repositories × M tags against a local CNCF Distribution,
 * then a warm cycle with nothing new. Prints one JSON object: requests, wall time, peak RSS.
 *
 *   node bench/registry.bench.ts [--repos 1000] [--tags 1000] [--storage DIR] [--created]
 *
 * Seeding runs in this process; the scan runs in a child process so its peak RSS is the
 * client's alone. --storage keeps the seeded registry data for the next run. --created adds
 * build-time ordering (HEAD + manifest + config per new digest), for small runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseImageRef } from '../src/image/ref.ts';
import { parsePolicy, policyNeeds, selectTag } from '../src/policy/policy.ts';
import { RegistryClient } from '../src/registry/client.ts';
import { startRegistry } from '../test/harness/registry.ts';
import { seedManyTags } from '../test/harness/bulk.ts';

const { values } = parseArgs({
  options: {
    repos: { type: 'string', default: '1000' },
    tags: { type: 'string', default: '1000' },
    storage: { type: 'string' },
    created: { type: 'boolean', default: false },
    scan: { type: 'string' },
    cache: { type: 'string' },
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
  const cache = join(registry.storage, '..', `bench-cache-${process.pid}`);
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
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--scan', registry.host, '--cache', cache, '--repos', String(repos), '--tags', String(tagsPerRepo), ...(values.created ? ['--created'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`scan failed with exit ${code}`);
    process.stdout.write(JSON.stringify({ repos, tagsPerRepo, seeded: seeded ? 'reused' : 'fresh', seedMs, ...JSON.parse(out) }) + '\n');
  } finally {
    await registry.stop();
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
    const results = await Promise.all(
      Array.from({ length: repos }, async (_, i) => {
        const ref = parseImageRef(`${host}/${repoName(i)}:1.0.0`);
        const list = await client.listTags(ref, needs);
        return { count: list.tags.length, selected: selectTag(policy, list.tags, { tag: ref.tag }).selected };
      }),
    );
    const after = client.stats();
    const byKind = Object.fromEntries(Object.entries(after.byKind).map(([k, v]) => [k, v - (before.byKind[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
    return { requests: after.requests - before.requests, byKind, wallMs: Math.round(performance.now() - started), tagsSeen: results.reduce((a, r) => a + r.count, 0), selected: results[0]?.selected };
  };
  const cold = await cycle();
  const warm = await cycle();
  await client.close();
  process.stdout.write(JSON.stringify({ policy: policy.source, needs, cold, warm, peakRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10 }));
}
