/**
 * The controller's steady state (issue 19): A automations of W workloads each (default 10 × 100 =
 * 1,000) in one `tagpilot controller` process (`bin/tagpilot.js`, which in a checkout runs the
 * sources) with the shipped container's flags,
 * against the real registry (behind a counting proxy) and `git http-backend`. The automations run
 * the same I images (the fleet's services, one repository per cluster); B of them hold T tags each
 * (default 10 × 9,000: old releases, other majors, prereleases, CI build tags), the others 10.
 * Every workload is at its newest tag, so nothing changes: what is measured is what the process
 * costs while it waits for something to happen.
 *
 * Cycles are compressed: `interval: 1s` (so tag lists are kept 1 s, and every cycle asks the
 * registry again, as every cycle with the default 5-minute interval does) until every automation
 * has made C cycles (default 60: an hour at a 1-minute interval). RSS (VmRSS) and CPU (schedstat of
 * every thread) are read from /proc every 5 s; cycles from `/metrics`.
 *
 *   node bench/controller-steady.bench.ts [--automations 10] [--workloads 100] [--images 100]
 *     [--big-images 10] [--big-tags 9000] [--cycles 60] [--flags shipped|default] [--max-minutes 20]
 *     [--entry dist|src] [--no-build] [--node-options='--heapsnapshot-signal=SIGUSR2']
 *
 * `--entry dist` (the default) runs the compiled CLI, as the image does (built first unless
 * --no-build; `bin/tagpilot.js` is told not to strip types, so it takes dist/ although the
 * sources are there); `--entry src` runs the sources, as `bin/tagpilot.js` does in a checkout
 * (about 20 MiB more RSS: the type stripper and the sources' compile cache).
 *
 * Prints one JSON object: the shape, RSS after the first cycles and at the end, its slope over the
 * second half of the run (MiB per 100 cycles of every automation), the high-water mark (VmHWM),
 * CPU per cycle, registry requests and the load average.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createBigRepo } from '../test/harness/big-repo.ts';
import { seedManyTags } from '../test/harness/bulk.ts';
import { FaultProxy } from '../test/harness/fault-proxy.ts';
import { startGitServer } from '../test/harness/git-server.ts';
import { startRegistry } from '../test/harness/registry.ts';
import { freePort } from './net.ts';
import { processCpuMs, statusKiB } from './proc.ts';

const { values } = parseArgs({
  options: {
    automations: { type: 'string', default: '10' },
    workloads: { type: 'string', default: '100' },
    images: { type: 'string', default: '100' },
    'big-images': { type: 'string', default: '10' },
    'big-tags': { type: 'string', default: '9000' },
    cycles: { type: 'string', default: '60' },
    flags: { type: 'string', default: 'shipped' },
    'max-minutes': { type: 'string', default: '20' },
    entry: { type: 'string', default: 'dist' },
    'no-build': { type: 'boolean', default: false },
    /** Added to the flag set's NODE_OPTIONS (e.g. `--heapsnapshot-signal=SIGUSR2` to look inside). */
    'node-options': { type: 'string' },
  },
});
const AUTOMATIONS = Number(values.automations);
const WORKLOADS = Number(values.workloads);
const IMAGES = Math.min(Number(values.images), WORKLOADS);
const BIG_IMAGES = Math.min(Number(values['big-images']), IMAGES);
const BIG_TAGS = Number(values['big-tags']);
const CYCLES = Number(values.cycles);
/** The container's flags (Dockerfile), or V8's and glibc's defaults. */
const FLAGS: Record<string, Record<string, string>> = {
  shipped: { NODE_OPTIONS: '--max-old-space-size=64 --max-semi-space-size=1', MALLOC_ARENA_MAX: '2' },
  default: {},
};
const flags = FLAGS[values.flags];
if (flags === undefined) throw new Error(`--flags: shipped or default, not ${values.flags}`);

const root = join(import.meta.dirname, '..');
if (values.entry !== 'dist' && values.entry !== 'src') throw new Error(`--entry: dist or src, not ${values.entry}`);
if (values.entry === 'dist' && !values['no-build']) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });

/** Each image's tags: `1.0.0` is the newest a workload (semver ^1.0.0) may take; the rest it may not. */
function tagsOf(image: number): string[] {
  const count = image < BIG_IMAGES ? BIG_TAGS : 10;
  const tags = ['1.0.0'];
  for (let k = 0; tags.length < count; k++) {
    const kind = k % 4;
    if (kind === 0) tags.push(`0.${Math.floor(k / 400)}.${(k / 4) % 100}`);
    else if (kind === 1) tags.push(`main-${100_000 + k}-${(Math.imul(k, 2_654_435_761) >>> 8).toString(16).padStart(6, '0')}`);
    else if (kind === 2) tags.push(`1.0.1-rc.${k}`);
    else tags.push(`2.${Math.floor(k / 400)}.${((k - 3) / 4) % 100}`);
  }
  return [...new Set(tags)];
}

function imageName(i: number): string {
  return `team/svc-${String(i).padStart(4, '0')}`;
}

function statusMiB(pid: number, field: string): number {
  return statusKiB(pid, field) / 1024;
}

/** `tagpilot_cycles_total` from /metrics: cycles per automation, and per outcome over all of them. */
async function cyclesFrom(port: number): Promise<{ perAutomation: Map<string, number>; outcomes: Record<string, number>; listings: Record<string, number> } | undefined> {
  let text: string;
  try {
    text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  } catch {
    return undefined;
  }
  const perAutomation = new Map<string, number>();
  const outcomes: Record<string, number> = {};
  const listings: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const cycle = /^tagpilot_cycles_total\{automation="([^"]+)",outcome="([^"]+)"\} (\d+)/.exec(line);
    if (cycle !== null) {
      const [, automation = '', outcome = '', n = '0'] = cycle;
      perAutomation.set(automation, (perAutomation.get(automation) ?? 0) + Number(n));
      outcomes[outcome] = (outcomes[outcome] ?? 0) + Number(n);
    }
    const listing = /^tagpilot_registry_tag_listings_total\{host="[^"]+",source="([^"]+)"\} (\d+)/.exec(line);
    if (listing !== null) listings[listing[1] ?? ''] = Number(listing[2]);
  }
  return { perAutomation, outcomes, listings };
}

interface Sample {
  seconds: number;
  /** Cycles of the automation that has made the fewest. */
  cycles: number;
  totalCycles: number;
  rssMiB: number;
  cpuMs: number;
}

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

const round = (n: number) => Math.round(n * 10) / 10;
/** How often /proc and /metrics are read (a real Prometheus scrapes every 15–60 s). */
const SAMPLE_MS = 5000;

const [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
const proxy = await FaultProxy.start({ upstream: registry.url });
const work = mkdtempSync(join(tmpdir(), 'tagpilot-steady-bench-'));
try {
  const seedStarted = performance.now();
  const queue = Array.from({ length: IMAGES }, (_, i) => i);
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) await seedManyTags(registry.url, registry.storage, imageName(i), tagsOf(i), { indexLinks: false });
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const entries: string[] = [];
  for (let a = 0; a < AUTOMATIONS; a++) {
    const name = `cluster-${a}`;
    createBigRepo(server.root, name, { files: WORKLOADS, commits: 1, filesPerCommit: 0, folders: Math.min(50, WORKLOADS), registry: proxy.host, services: true });
    entries.push(`  - name: ${name}\n    git: { url: ${server.repoUrl(name)}, paths: [apps], author: { name: tagpilot-bot, email: bot@example.com } }\n`);
  }
  const seedMs = Math.round(performance.now() - seedStarted);
  const port = await freePort();
  const config = join(work, 'tagpilot.yaml');
  writeFileSync(config, `automations:\n${entries.join('')}registries:\n  - { host: "${proxy.host}", insecure: true }\ncacheDir: ${join(work, 'cache')}\ninterval: 1s\nserver: { address: 127.0.0.1, port: ${port}, webhookPort: ${await freePort()} }\n`);

  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...flags };
  if (values.flags === 'default') {
    delete env.NODE_OPTIONS;
    delete env.MALLOC_ARENA_MAX;
  }
  // Without type stripping, bin/tagpilot.js runs dist/ although the sources are there.
  const entryOptions = values.entry === 'dist' ? '--no-experimental-strip-types' : '';
  env.NODE_OPTIONS = `${flags.NODE_OPTIONS ?? ''} ${entryOptions} ${values['node-options'] ?? ''}`.replace(/\s+/g, ' ').trim();
  if (env.NODE_OPTIONS === '') delete env.NODE_OPTIONS;
  const load = loadavg()[0] ?? 0;
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin/tagpilot.js'), 'controller', '--config', config], { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const pid = child.pid ?? 0;
  process.stderr.write(`controller pid ${pid}, /metrics on 127.0.0.1:${port}, work dir ${work}\n`);
  const samples: Sample[] = [];
  const deadline = started + Number(values['max-minutes']) * 60_000;
  let last: Awaited<ReturnType<typeof cyclesFrom>>;
  while (running && performance.now() < deadline) {
    // Every 5 s, not every second: a /metrics scrape costs the controller some 10 ms of CPU
    // (prom-client's text of every metric), which a 1 s poll added to each cycle's figure.
    await sleep(SAMPLE_MS);
    if (!running) break;
    const cpuMs = processCpuMs(pid);
    const rssMiB = statusMiB(pid, 'VmRSS');
    last = (await cyclesFrom(port)) ?? last;
    const counts = [...(last?.perAutomation.values() ?? [])];
    const cycles = counts.length < AUTOMATIONS ? 0 : Math.min(...counts);
    samples.push({ seconds: round((performance.now() - started) / 1000), cycles, totalCycles: counts.reduce((a, b) => a + b, 0), rssMiB: round(rssMiB), cpuMs: Math.round(cpuMs) });
    if (cycles >= CYCLES) break;
  }
  if (!running) {
    // Said at once: stopping the servers below may take a while after a crash.
    process.stderr.write(`the controller exited early (exit ${String(await exited)}, after ${samples.at(-1)?.cycles ?? 0} cycles per automation, RSS ${samples.at(-1)?.rssMiB ?? '?'} MiB):\n${log.slice(-6000)}\n`);
    throw new Error('the controller exited early');
  }
  const peakRssMiB = round(statusMiB(pid, 'VmHWM'));
  child.kill('SIGTERM');
  await exited;
  const end = samples.at(-1);
  if (end === undefined || end.cycles < CYCLES) throw new Error(`only ${end?.cycles ?? 0} of ${CYCLES} cycles per automation in ${values['max-minutes']} minutes:\n${log.slice(-4000)}`);

  // Warm-up: until every automation has made its first cycles (clone, first tag lists).
  const warm = samples.filter((s) => s.cycles >= Math.min(5, CYCLES / 4));
  const secondHalf = samples.filter((s) => s.cycles >= CYCLES / 2);
  const rss = (list: readonly Sample[]) => ({ min: Math.min(...list.map((s) => s.rssMiB)), max: Math.max(...list.map((s) => s.rssMiB)) });
  const first = warm[0] ?? end;
  const tagListRequests = proxy.requests.filter((r) => r.path.includes('/tags/list')).length;
  const result = {
    bench: 'controller-steady',
    node: process.version,
    cores: availableParallelism(),
    flags: values.flags,
    entry: values.entry,
    shape: { automations: AUTOMATIONS, workloadsPerAutomation: WORKLOADS, workloads: AUTOMATIONS * WORKLOADS, images: IMAGES, bigImages: BIG_IMAGES, tagsPerBigImage: tagsOf(0).length, tagsPerOtherImage: IMAGES > BIG_IMAGES ? tagsOf(IMAGES - 1).length : undefined, interval: '1s' },
    seedMs,
    wallSeconds: end.seconds,
    cyclesPerAutomation: { min: end.cycles, total: end.totalCycles },
    outcomes: last?.outcomes,
    rssMiB: {
      afterWarmUp: first.rssMiB,
      end: end.rssMiB,
      warm: rss(warm),
      secondHalf: rss(secondHalf),
      /** RSS growth over the second half, per 100 cycles of every automation (0: flat). */
      slopePer100Cycles: round(slope(secondHalf.map((s) => [s.cycles, s.rssMiB])) * 100),
      peak: peakRssMiB,
    },
    cpu: {
      totalMs: end.cpuMs,
      /** CPU per cycle of one automation (each of W workloads), over the warm part of the run. */
      msPerCycle: round((end.cpuMs - first.cpuMs) / Math.max(1, end.totalCycles - first.totalCycles)),
      msPer100WorkloadsPerCycle: round(((end.cpuMs - first.cpuMs) / Math.max(1, end.totalCycles - first.totalCycles)) * (100 / WORKLOADS)),
    },
    registry: { requests: proxy.requests.length, tagListRequests, listings: last?.listings },
    loadavg: [round(load), round(loadavg()[0] ?? 0)],
    samples: samples.filter((_, i) => i % 2 === 0 || i === samples.length - 1).map((s) => [s.seconds, s.cycles, s.rssMiB, s.cpuMs]),
    samplesAre: '[seconds, cycles of the slowest automation, RSS MiB, CPU ms so far], every 10 s',
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  // Bounded: a server waiting on a crashed client's connection must not hold the result back.
  await Promise.race([Promise.all([registry.stop(), server.stop(), proxy.stop()]), sleep(10_000)]);
  rmSync(work, { recursive: true, force: true });
  process.exit();
}
