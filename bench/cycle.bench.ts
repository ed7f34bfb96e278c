/**
 * The whole cycle, measured from outside the tagpilot process: a cold `plan` and a cold
 * `run --once` of N annotated workloads on N images (10 tags each), a warm `run --once` (nothing
 * new, then one new tag), and warm cycles of the long-running process (the Git clone already
 * held): `run` at a 1 s interval, each cycle past the tag-list TTL (min(60 s, interval)), and
 * `tagpilot controller` at a 1-minute interval with each cycle asked for by a Git push hint, inside
 * the TTL (the tag lists held too). Real components: CNCF Distribution (behind a pass-through proxy
 * that counts requests) and `git http-backend`.
 *
 *   node bench/cycle.bench.ts [--sizes 50,500] [--runs 5] [--flags shipped,default] [--entry dist|checkout|src]
 *                             [--cases plan,run,warm,new-tag,controller] [--cycles 10] [--profile DIR] [--no-build]
 *                             [--extra-node-options='--max-semi-space-size=4' --flags shipped,extra] [--memory]
 *                             [--builds before=/path/to/checkout,after=.]
 *
 * Prints one JSON object. Per case the medians (and ranges) of CPU time (user + system), wall time
 * and peak RSS of the tagpilot process: `/usr/bin/time` reports them for `plan` and `run --once`
 * (getrusage of the exited child); for the controller, /proc/<pid> is read at each cycle's summary
 * log line (CPU per cycle, RSS after each cycle, and the high-water mark). CPU time and peak RSS
 * are the steady figures on a shared machine; the load average is recorded with each case.
 *
 * Flags: `shipped` is the container's (Dockerfile: NODE_OPTIONS="--max-old-space-size=64
 * --max-semi-space-size=1", MALLOC_ARENA_MAX=2); `default` is V8's and glibc's defaults. Both run
 * with NODE_ENV=production, as the image does. `--entry dist` (the default) runs the compiled CLI
 * as the image ships it (`bin/tagpilot.js` beside dist/ and no sources), built first unless
 * --no-build; `--entry checkout` runs the checkout's `bin/tagpilot.js`, which runs the TypeScript
 * sources (type-stripped at each start); `--entry src` runs src/cli/main.ts without bin/.
 *
 * --profile DIR writes one `--cpu-prof` and one `--heap-prof` per case (the first size, the
 * first flag set, the first build) for `node bench/profile-summary.ts`.
 *
 * --memory adds one run per case (not counted) that samples process.memoryUsage() every 5 ms and
 * reports it at the peak RSS: how much of the peak is V8's heap, what lives outside it. With
 * --profile DIR and --snapshot-mib N, that run also writes DIR/…/<case>.heapsnapshot when RSS first
 * reaches N MiB (for `node bench/heap-summary.ts`).
 *
 * Each run of a case runs every flag set and every build (--builds compares checkouts) in turn, on
 * the same setup, so a shared machine's load falls on all of them alike. Each case then reports
 * per flag set and, with more than one build, per build. Without --builds, the build is this
 * checkout.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createBigRepo } from '../test/harness/big-repo.ts';
import { seedManyTags } from '../test/harness/bulk.ts';
import { FaultProxy } from '../test/harness/fault-proxy.ts';
import { freePort } from './net.ts';
import { processCpuMs, statusKiB } from './proc.ts';
import { startGitServer, type GitServer } from '../test/harness/git-server.ts';
import { seedTags } from '../test/harness/images.ts';
import { startRegistry, type TestRegistry } from '../test/harness/registry.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '50,500' },
    runs: { type: 'string', default: '5' },
    flags: { type: 'string', default: 'shipped,default' },
    entry: { type: 'string', default: 'dist' },
    cases: { type: 'string', default: 'plan,run,warm,new-tag,controller' },
    cycles: { type: 'string', default: '10' },
    profile: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    /** A third flag set, `extra`, to try other NODE_OPTIONS (with MALLOC_ARENA_MAX=2). */
    'extra-node-options': { type: 'string' },
    builds: { type: 'string' },
    memory: { type: 'boolean', default: false },
    /** With --memory and --profile: a heap snapshot when RSS first reaches this many MiB. */
    'snapshot-mib': { type: 'string' },
  },
});

const root = join(import.meta.dirname, '..');
const RUNS = Number(values.runs);
const CYCLES = Number(values.cycles);
const SIZES = values.sizes.split(',').map(Number);
const CASES = new Set(values.cases.split(','));
const TAGS = Array.from({ length: 10 }, (_, i) => `1.0.${i}`);
const FLAG_SETS: Record<string, { nodeOptions?: string; mallocArenaMax?: string }> = {
  shipped: { nodeOptions: '--max-old-space-size=64 --max-semi-space-size=1', mallocArenaMax: '2' },
  default: {},
  ...(values['extra-node-options'] === undefined ? {} : { extra: { nodeOptions: values['extra-node-options'], mallocArenaMax: '2' } }),
};
const flagNames = values.flags.split(',').filter((f) => f in FLAG_SETS);
/** Loaded first with --memory: process.memoryUsage() every 5 ms, the sample at the highest RSS written on exit. */
const MEMORY_PROBE = `data:text/javascript,${encodeURIComponent(`
  let peak = { rss: 0 };
  const at = Number(process.env.HEAP_SNAPSHOT_AT ?? Infinity);
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak = m;
    // Once, when RSS first reaches the mark: what the heap holds near the peak.
    if (m.rss >= at && process.env.HEAP_SNAPSHOT_FILE) process.getBuiltinModule('node:v8').writeHeapSnapshot(process.env.HEAP_SNAPSHOT_FILE), delete process.env.HEAP_SNAPSHOT_FILE;
  };
  setInterval(sample, 5).unref();
  process.on('exit', () => { sample(); process.getBuiltinModule('node:fs').writeFileSync(process.env.MEMORY_FILE, JSON.stringify(peak)); });
`)}`;

/** A checkout whose CLI is measured. */
interface Build {
  name: string;
  dir: string;
  entry: string;
}

const ENTRIES = ['dist', 'checkout', 'src'];
if (!ENTRIES.includes(values.entry)) throw new Error(`--entry is one of ${ENTRIES.join(', ')}`);
const images = mkdtempSync(join(tmpdir(), 'tagpilot-cycle-images-'));
const BUILDS: Build[] = (values.builds ?? `this=${root}`).split(',').map((spec) => {
  const [name, path] = spec.split('=') as [string, string];
  const dir = resolve(path);
  if (values.entry === 'src') return { name, dir, entry: join(dir, 'src/cli/main.ts') };
  if (values.entry === 'checkout') return { name, dir, entry: join(dir, 'bin/tagpilot.js') };
  return { name, dir, entry: join(imageLayout(name, dir), 'bin/tagpilot.js') };
});
if (values.entry !== 'src' && !values['no-build']) for (const b of BUILDS) execFileSync('npm', ['run', '--silent', 'build'], { cwd: b.dir, stdio: 'inherit' });

/**
 * The container image's layout for a checkout: bin/ and package.json copied, dist/ and
 * node_modules/ linked, no sources. So `bin/tagpilot.js` runs the compiled dist/ as the image
 * does; in the checkout itself it would run the TypeScript sources (type-stripped at every start).
 */
function imageLayout(name: string, dir: string): string {
  const image = join(images, name);
  mkdirSync(image, { recursive: true });
  cpSync(join(dir, 'bin'), join(image, 'bin'), { recursive: true });
  cpSync(join(dir, 'package.json'), join(image, 'package.json'));
  for (const linked of ['dist', 'node_modules']) symlinkSync(join(dir, linked), join(image, linked));
  return image;
}

/** One tagpilot process's cost. */
interface Sample {
  cpuMs: number;
  wallMs: number;
  rssMiB: number;
}

const work = mkdtempSync(join(tmpdir(), 'tagpilot-cycle-bench-'));
/** New tags seeded so far by the one-new-tag case. */
let newTags = 0;

interface Counted {
  /** Registry requests by `METHOD kind` (tags, manifests, blobs). */
  registry: Record<string, number>;
  /** Git requests by `METHOD path?service`, and the bytes the server sent. */
  git: Record<string, number>;
  gitResponseBytes: number;
}

interface Env {
  registry: TestRegistry;
  proxy: FaultProxy;
  server: GitServer;
  work: string;
  /** The pristine repository: N Deployments at 1.0.0 (and a Service each). */
  pristine: string;
}

async function benchSize(size: number): Promise<Record<string, unknown>> {
  const env = await setUp(size);
  try {
    const profile = values.profile !== undefined && size === SIZES[0] ? join(values.profile, `${size}-${flagNames[0]}`) : undefined;
    return { seedMs: env.seedMs, ...(await benchCases(env, size, profile)) };
  } finally {
    await Promise.all([env.registry.stop(), env.server.stop(), env.proxy.stop()]);
  }
}

async function setUp(size: number): Promise<Env & { seedMs: number }> {
  const [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
  const proxy = await FaultProxy.start({ upstream: registry.url });
  const started = performance.now();
  const queue = Array.from({ length: size }, (_, i) => i);
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) await seedManyTags(registry.url, registry.storage, image(i), TAGS, { indexLinks: false });
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const dir = join(work, `size-${size}`);
  mkdirSync(dir);
  createBigRepo(server.root, `pristine-${size}`, { files: size, commits: 1, filesPerCommit: 0, folders: Math.min(50, size), registry: proxy.host, services: true });
  return { registry, proxy, server, work: dir, pristine: `pristine-${size}`, seedMs: Math.round(performance.now() - started) };
}

function image(i: number): string {
  return `team/svc-${String(i).padStart(4, '0')}`;
}

/** A flag set and a build: what one run of a case runs. */
interface Variant {
  id: string;
  flags: string;
  build: Build;
}

const VARIANTS: Variant[] = flagNames.flatMap((flags) => BUILDS.map((build) => ({ id: `${flags}/${build.name}`, flags, build })));

/** Every case for one size; each run of a case runs every variant in turn (results by flag set, then build). */
async function benchCases(env: Env, size: number, profileDir: string | undefined): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = Object.fromEntries(flagNames.map((f) => [f, {}]));
  const put = (name: string, byVariant: ReadonlyMap<string, unknown>) => {
    for (const flags of flagNames) out[flags]![name] = perBuild(Object.fromEntries(BUILDS.map((b) => [b.name, byVariant.get(`${flags}/${b.name}`)])));
  };
  const cases = new Cases(env, profileDir);
  let k = 0;
  const fresh = () => {
    const id = `${size}-${++k}`;
    return { repo: copyRepo(env, id), cache: join(env.work, `cache-${id}`) };
  };

  if (CASES.has('plan')) {
    put(
      'cold plan',
      await cases.repeat('cold-plan', async (r) => {
        const cfg = config(env, env.pristine, join(env.work, `cache-${size}-${++k}`));
        const result = await r.once(['plan', '--config', cfg, '--json']);
        const plan = JSON.parse(result.stdout) as { changes: unknown[]; problems: unknown[] };
        expect(plan.changes.length === size && plan.problems.length === 0, `plan: ${plan.changes.length} changes, ${plan.problems.length} problems`, result);
        return result;
      }),
    );
  }

  // The cold run commits every workload; each variant's warm cases go on from its last cold run.
  const last = new Map(VARIANTS.map((v) => [v.id, fresh()]));
  if (CASES.has('run') || CASES.has('warm') || CASES.has('new-tag') || CASES.has('controller')) {
    const runs = CASES.has('run') ? RUNS : 1;
    put(
      'cold run --once',
      await cases.repeat(
        'cold-run',
        async (r, i) => {
          const target = i === runs - 1 ? last.get(r.id)! : fresh();
          const result = await r.once(['run', '--once', '--config', config(env, target.repo, target.cache)]);
          expect(summary(result.stderr).changes === size, 'cold run: expected a commit of every workload', result);
          return result;
        },
        { runs },
      ),
    );
  }
  const warmConfig = (id: string) => {
    const { repo, cache } = last.get(id)!;
    return config(env, repo, cache);
  };

  if (CASES.has('warm')) {
    put(
      'warm run --once, nothing new',
      await cases.repeat('warm-run', async (r) => {
        const result = await r.once(['run', '--once', '--config', warmConfig(r.id)], 'debug');
        expect(summary(result.stderr).changes === 0, 'warm run: expected nothing to change', result);
        return result;
      }),
    );
  }

  if (CASES.has('new-tag')) {
    // Before each run (of every variant): a tag above every one there, in a different image each time.
    const seed = async () => {
      const n = newTags++;
      await seedTags(env.registry.url, image(n % size), [{ tag: `1.0.${10 + n}` }]);
    };
    put(
      'warm run --once, one new tag',
      await cases.repeat(
        'warm-new-tag',
        async (r) => {
          const result = await r.once(['run', '--once', '--config', warmConfig(r.id)]);
          expect(summary(result.stderr).changes === 1, 'warm run: expected one change', result);
          return result;
        },
        { before: seed },
      ),
    );
  }

  if (CASES.has('controller')) {
    const first = VARIANTS[0]!;
    if (profileDir !== undefined) await controller(env, new Runner(first, join(profileDir, 'controller')), { cfg: warmConfig(first.id) }, size);
    // Two rounds, variants in turn; each variant's warm cycles are pooled. Scheduled cycles at a
    // 1 s interval are each past the tag-list TTL (min(60 s, interval): every cycle lists again);
    // hinted ones, at a 1-minute interval, run inside it, as a Git push's cycle does.
    for (const mode of ['scheduled', 'hinted'] as const) {
      const rounds = new Map<string, Record<string, unknown>[]>(VARIANTS.map((v) => [v.id, []]));
      for (let round = 0; round < 2; round++) {
        for (const v of rotate(VARIANTS, round)) {
          const cfg = warmConfig(v.id);
          rounds.get(v.id)!.push(await controller(env, new Runner(v, undefined), mode === 'scheduled' ? { cfg } : await hinted(env, cfg), size));
        }
      }
      const name = mode === 'scheduled' ? 'controller: warm cycles, nothing new (1 s interval: each past the tag-list TTL)' : 'controller: warm cycles, nothing new, inside the tag-list TTL (Git push hints)';
      put(name, new Map([...rounds].map(([id, r]) => [id, poolControllers(r)])));
    }
  }
  return out;
}

/** One case's result per build; a single build's result is the result. */
function perBuild(byBuild: Record<string, unknown>): unknown {
  return BUILDS.length === 1 ? byBuild[BUILDS[0]!.name] : byBuild;
}

/** `items` started at `by` (mod length): each variant goes first as often as the others. */
function rotate<T>(items: readonly T[], by: number): T[] {
  const n = by % items.length;
  return [...items.slice(n), ...items.slice(0, n)];
}

/** Runs the cases of one size: every run of a case runs each variant once. */
class Cases {
  private readonly env: Env;
  private readonly profileDir: string | undefined;

  constructor(env: Env, profileDir: string | undefined) {
    this.env = env;
    this.profileDir = profileDir;
  }

  /** `runs` runs (index 0…), each of every variant after `before`; the requests are those of a variant's first run. */
  async repeat(label: string, measure: (r: Runner, i: number) => Promise<Measured>, options: { runs?: number; before?: () => Promise<void> } = {}): Promise<Map<string, unknown>> {
    const runs = options.runs ?? RUNS;
    const samples = new Map<string, Sample[]>(VARIANTS.map((v) => [v.id, []]));
    const requests = new Map<string, Counted>();
    // A profiled run first, not counted: the profiler costs CPU and memory itself.
    if (this.profileDir !== undefined) {
      if (VARIANTS.length > 1) throw new Error('--profile measures one flag set and build: pass one --flags and no --builds');
      await options.before?.();
      await measure(new Runner(VARIANTS[0]!, join(this.profileDir, label)), -1);
    }
    const memory = new Map<string, Record<string, number>>();
    if (values.memory) {
      await options.before?.();
      for (const v of VARIANTS) {
        const runner = new Runner(v, undefined);
        runner.memoryFile = join(work, 'memory.json');
        if (values['snapshot-mib'] !== undefined && this.profileDir !== undefined) runner.snapshot = { atBytes: Number(values['snapshot-mib']) * 2 ** 20, file: join(this.profileDir, `${label}.heapsnapshot`) };
        await measure(runner, -1);
        memory.set(v.id, Object.fromEntries(Object.entries(JSON.parse(readFileSync(runner.memoryFile, 'utf8')) as Record<string, number>).map(([key, n]) => [key, round(n / 2 ** 20)])));
      }
    }
    const load = loadavg()[0]!;
    for (let i = 0; i < runs; i++) {
      await options.before?.();
      for (const v of rotate(VARIANTS, i)) {
        const before = counts(this.env);
        const result = await measure(new Runner(v, undefined), i);
        samples.get(v.id)!.push(result.sample);
        if (!requests.has(v.id)) requests.set(v.id, diff(this.env, before, counts(this.env)));
      }
    }
    const loadavgs = [round(load), round(loadavg()[0]!)];
    return new Map([...samples].map(([id, s]) => [id, { ...stats(s), requests: requests.get(id), loadavg: loadavgs, ...(memory.has(id) ? { memoryAtPeakMiB: memory.get(id) } : {}) }]));
  }
}

interface Measured {
  sample: Sample;
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Spawns one variant's tagpilot (a build, a flag set), profiled when given a directory. */
class Runner {
  readonly id: string;
  readonly build: Build;
  readonly flags: string;
  readonly profileDir: string | undefined;
  /** Where the memory probe writes process.memoryUsage() at the peak RSS, when set. */
  memoryFile: string | undefined;
  /** With the memory probe: a heap snapshot written when RSS first reaches `atBytes`. */
  snapshot: { atBytes: number; file: string } | undefined;

  constructor(variant: Variant, profileDir: string | undefined) {
    this.id = variant.id;
    this.build = variant.build;
    this.flags = variant.flags;
    this.profileDir = profileDir;
  }

  /**
   * The log level: `info`, as shipped; the cases that change nothing ask for `debug`, since a
   * cycle with nothing to do logs its summary line (which they read) at debug, and nothing else.
   */
  env(logLevel: 'info' | 'debug' = 'info'): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', LOG_FORMAT: 'json', LOG_LEVEL: logLevel };
    delete env.NODE_OPTIONS;
    delete env.MALLOC_ARENA_MAX;
    const set = FLAG_SETS[this.flags]!;
    if (set.nodeOptions !== undefined) env.NODE_OPTIONS = set.nodeOptions;
    if (set.mallocArenaMax !== undefined) env.MALLOC_ARENA_MAX = set.mallocArenaMax;
    return env;
  }

  profileFlags(): string[] {
    if (this.memoryFile !== undefined) return ['--import', MEMORY_PROBE];
    if (this.profileDir === undefined) return [];
    mkdirSync(this.profileDir, { recursive: true });
    return ['--cpu-prof', '--cpu-prof-dir', this.profileDir, '--heap-prof', '--heap-prof-dir', this.profileDir];
  }

  /** One short-lived command under /usr/bin/time: its CPU, wall time and peak RSS as the kernel counted them. */
  async once(args: string[], logLevel: 'info' | 'debug' = 'info'): Promise<Measured> {
    const timeFile = join(work, 'time.txt');
    const started = performance.now();
    const env = { ...this.env(logLevel), ...(this.memoryFile === undefined ? {} : { MEMORY_FILE: this.memoryFile }), ...(this.snapshot === undefined ? {} : { HEAP_SNAPSHOT_AT: String(this.snapshot.atBytes), HEAP_SNAPSHOT_FILE: this.snapshot.file }) };
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, process.execPath, ...this.profileFlags(), this.build.entry, ...args], { cwd: this.build.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const [stdout, stderr] = [collect(child.stdout), collect(child.stderr)];
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const wallMs = performance.now() - started;
    const [user, sys, maxKiB] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
    return { sample: { cpuMs: (user + sys) * 1000, wallMs, rssMiB: maxKiB / 1024 }, stdout: await stdout, stderr: await stderr, code };
  }
}

/**
 * The long-running `run` on a warm clone: its first cycle fetches the tag lists (a new process),
 * the next CYCLES are what a controller does between changes. CPU per cycle is the process's CPU
 * between two summary lines (the cycle plus the idle wait), read from /proc.
 */
async function controller(env: Env, runner: Runner, setup: ControllerSetup, size: number): Promise<Record<string, unknown>> {
  const load = loadavg()[0]!;
  const child = spawn(process.execPath, [...runner.profileFlags(), runner.build.entry, setup.verb ?? 'run', '--config', setup.cfg], { cwd: runner.build.dir, env: runner.env('debug'), stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid!;
  const cycles: { cpuMs: number; rssMiB: number; counted: Counted; changes: number; ms: number }[] = [];
  let buffered = '';
  let previous = { cpu: 0, counts: counts(env) };
  const done = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => (cycles.length > CYCLES ? resolve() : reject(new Error(`controller exited with ${code} after ${cycles.length} cycles:\n${buffered}`))));
    child.stderr.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const entry = parseLine(line);
        if (entry?.msg?.startsWith('cycle:') !== true) continue;
        const cpu = processCpuMs(pid);
        const now = counts(env);
        cycles.push({ cpuMs: cpu - previous.cpu, rssMiB: statusKiB(pid, 'VmRSS') / 1024, counted: diff(env, previous.counts, now), changes: entry.changes ?? -1, ms: entry.ms ?? -1 });
        previous = { cpu, counts: now };
        if (cycles.length <= CYCLES) setup.hint?.();
        if (cycles.length === CYCLES + 1) {
          const hwm = statusKiB(pid, 'VmHWM') / 1024;
          cycles.push({ cpuMs: 0, rssMiB: hwm, counted: diff(env, now, now), changes: -2, ms: 0 });
          child.kill('SIGTERM');
        }
      }
    });
  });
  await done;
  const hwm = cycles.pop()!.rssMiB;
  const [first, ...warm] = cycles;
  expect(
    warm.every((c) => c.changes === 0),
    'controller: expected nothing to change',
    { stdout: '', stderr: buffered, code: null },
  );
  return {
    workloads: size,
    firstCycle: { cpuMs: round(first!.cpuMs), cycleMs: first!.ms, requests: first!.counted },
    warm: warm.map((c) => ({ cpuMs: c.cpuMs, ms: c.ms, rssMiB: c.rssMiB, registry: Object.values(c.counted.registry).reduce((x, y) => x + y, 0), git: c.counted.git, gitResponseBytes: c.counted.gitResponseBytes })),
    peakRssMiB: round(hwm),
    loadavg: [round(load), round(loadavg()[0]!)],
  };
}

/** The long-running `run`'s config, and for hinted cycles the verb that takes hints and what sends one. */
interface ControllerSetup {
  cfg: string;
  /** `controller` listens for webhooks; `run` (the default) does not. */
  verb?: 'run' | 'controller';
  /** Called after each cycle's summary: a Git push hint, so the next cycle runs now. */
  hint?: () => void;
}

/**
 * The same warm clone at a 1-minute interval (so the tag lists are kept 60 s) in `tagpilot
 * controller`, with a GitLab push receiver: each hint is a cycle inside the TTL, as a push to the
 * repository makes one.
 */
async function hinted(env: Env, cfg: string): Promise<ControllerSetup> {
  const [port, webhookPort] = [await freePort(), await freePort()];
  const token = join(env.work, 'webhook-token');
  writeFileSync(token, 'bench-token-0123456789');
  const text = readFileSync(cfg, 'utf8').replace(/^interval: .*$/m, 'interval: 1m');
  const url = /^ {2}url: (.*)$/m.exec(text)?.[1] ?? '';
  const hintedCfg = cfg.replace(/\.yaml$/, '-hinted.yaml');
  writeFileSync(hintedCfg, `${text}server: { address: 127.0.0.1, port: ${port}, webhookPort: ${webhookPort} }\nwebhooks:\n  - { name: git, kind: gitlab, token: { file: ${token} } }\n`);
  const body = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main', project: { git_http_url: url } });
  const headers = { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'bench-token-0123456789' };
  const hint = () => {
    fetch(`http://127.0.0.1:${webhookPort}/webhooks/git`, { method: 'POST', headers, body }).then(
      async (response) => {
        if (response.status >= 300) process.stderr.write(`hint: ${response.status} ${await response.text()}\n`);
      },
      (error: Error) => process.stderr.write(`hint: ${error.message} ${String(error.cause)}\n`),
    );
  };
  return { cfg: hintedCfg, verb: 'controller', hint };
}

interface ControllerRun {
  workloads: number;
  firstCycle: unknown;
  warm: { cpuMs: number; ms: number; rssMiB: number; registry: number; git: Record<string, number>; gitResponseBytes: number }[];
  peakRssMiB: number;
  loadavg: number[];
}

/** The warm cycles of several controller runs of one build, together. */
function poolControllers(runs: readonly Record<string, unknown>[]): Record<string, unknown> {
  const all = runs as unknown as ControllerRun[];
  const warm = all.flatMap((r) => r.warm);
  const cpu = warm.map((c) => c.cpuMs);
  const size = all[0]!.workloads;
  return {
    workloads: size,
    firstCycle: all.map((r) => r.firstCycle),
    warmCycles: warm.length,
    cpuMsPerCycle: { median: round(median(cpu)), min: round(Math.min(...cpu)), max: round(Math.max(...cpu)) },
    cpuMsPer100Workloads: round((median(cpu) * 100) / size),
    cycleMs: round(median(warm.map((c) => c.ms))),
    rssMiBAfterCycle: all.map((r) => r.warm.map((c) => round(c.rssMiB))),
    peakRssMiB: round(Math.max(...all.map((r) => r.peakRssMiB))),
    registryRequestsInWarmCycles: warm.reduce((a, c) => a + c.registry, 0),
    gitPerWarmCycle: warm[0]?.git,
    gitResponseBytesPerWarmCycle: warm[0]?.gitResponseBytes,
    loadavg: all.map((r) => r.loadavg),
  };
}

function counts(env: Env): { registry: number; git: number } {
  return { registry: env.proxy.requests.length, git: env.server.exchanges.length };
}

function diff(env: Env, before: { registry: number; git: number }, after: { registry: number; git: number }): Counted {
  const registry: Record<string, number> = {};
  for (const r of env.proxy.requests.slice(before.registry, after.registry)) {
    const kind = `${r.method} ${r.path.match(/\/(tags|manifests|blobs)\//)?.[1] ?? r.path.split('?')[0]}`;
    registry[kind] = (registry[kind] ?? 0) + 1;
  }
  const git: Record<string, number> = {};
  let gitResponseBytes = 0;
  for (const e of env.server.exchanges.slice(before.git, after.git)) {
    const url = new URL(e.url, 'http://git');
    const kind = `${e.method} ${url.pathname.split('/').slice(2).join('/')}${url.search}`;
    git[kind] = (git[kind] ?? 0) + 1;
    gitResponseBytes += e.responseBytes;
  }
  return { registry, git, gitResponseBytes };
}

function copyRepo(env: Env, id: string): string {
  cpSync(join(env.server.root, `${env.pristine}.git`), join(env.server.root, `${id}.git`), { recursive: true });
  return id;
}

function config(env: Env, repo: string, cache: string): string {
  const path = join(env.work, `config-${repo}-${cache.split('/').at(-1)}.yaml`);
  writeFileSync(path, `git:\n  url: ${env.server.repoUrl(repo)}\n  paths: [apps]\n  author: { name: tagpilot-bot, email: bot@example.com }\nregistries:\n  - { host: "${env.proxy.host}", insecure: true }\ncacheDir: ${cache}\ninterval: 1s\n`);
  return path;
}

function summary(stderr: string): { changes?: number } {
  const line = stderr
    .split('\n')
    .map(parseLine)
    .find((e) => e?.msg?.startsWith('cycle:') === true);
  return line ?? {};
}

function parseLine(line: string): { msg?: string; changes?: number; ms?: number } | undefined {
  try {
    return JSON.parse(line) as { msg?: string; changes?: number; ms?: number };
  } catch {
    return undefined;
  }
}

function expect(ok: boolean, what: string, result: Pick<Measured, 'stdout' | 'stderr' | 'code'>): void {
  if (!ok) throw new Error(`${what} (exit ${result.code}):\n${result.stderr.slice(-4000)}\n${result.stdout.slice(0, 2000)}`);
}

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function stats(samples: readonly Sample[]): Record<string, unknown> {
  const of = (key: keyof Sample) => {
    const v = samples.map((s) => s[key]);
    return { median: round(median(v)), min: round(Math.min(...v)), max: round(Math.max(...v)) };
  };
  return { runs: samples.length, cpuMs: of('cpuMs'), wallMs: of('wallMs'), rssMiB: of('rssMiB') };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

// Last: the classes and constants above are initialised by now.
const results: Record<string, unknown> = {};
try {
  for (const size of SIZES) results[String(size)] = await benchSize(size);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(images, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ bench: 'cycle', node: process.version, entry: values.entry, runs: RUNS, cores: availableParallelism(), builds: BUILDS.map((b) => `${b.name}=${b.dir}`), results }, null, 2)}\n`);
