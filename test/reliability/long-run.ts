/**
 * The long-run scenario, shared by the short run in `npm test` and the long one in `npm run
 * soak`: one real `tagpilot run` child process on a 1 s interval (the smallest the config
 * allows) against a real Distribution registry and a real `git http-backend`, while tags arrive
 * and a person pushes commits, so cycles fetch packs, list tags, commit and push, and now and then
 * drop the clone and clone again. Its resident memory (VmRSS) and open file descriptors are read
 * from /proc every second, and every few seconds its memory after a full garbage collection
 * (gc-probe.ts); a least-squares slope over the samples after a warm-up window must stay under a
 * bound. Descriptors on pack files are counted apart: the object reader keeps at most
 * MAX_OPEN_PACKS of them open, whatever the number of packs in the clone.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry } from '../harness/registry.ts';
import { startGitServer } from '../harness/git-server.ts';
import { seedTags } from '../harness/images.ts';
import { createBareRepo, git, humanCommit, installHook } from '../harness/git-repos.ts';
import { automated } from '../harness/manifests.ts';
import { writeConfig } from '../harness/fleet.ts';
import { sampleProcess } from '../harness/proc.ts';
import { MAX_OPEN_PACKS } from '../../src/git/pack-files.ts';
import { random, seriesFor, UPDATE_HOOK, type Series } from './scenario.ts';
import { checkLanding, drain, type Arrival, type LandingFigures } from './landing.ts';
import type { AnonBreakdown } from './smaps.ts';

export interface LongRunOptions {
  /** How long the process is sampled, after its first cycle. */
  seconds: number;
  /** A tag arrives in one of the repositories this often. */
  tagEveryMs: number;
  /** A person pushes a commit this often. */
  humanEveryMs: number;
  /** Samples before this (seconds after the first cycle) are warm-up: JIT, caches filling to their bounds. Not in the slope. */
  warmupSeconds: number;
  /** Memory after a full garbage collection is read this often. */
  gcEverySeconds: number;
  seed: number;
  /** Where to write every sample as JSON (to plot or fit otherwise); not written without one. */
  seriesFile?: string;
  /** After the sampled time, how long the last arrived tags may take to land (the process keeps cycling; nothing arrives). */
  drainSeconds: number;
  /** Commits of a person already on the branch before the run starts (a diagnosis knob: the history a long run reaches). */
  historyCommits?: number;
}

/** A sampled quantity: its spread over the whole run and its trend after the warm-up. */
export interface Trend {
  min: number;
  median: number;
  max: number;
  /** Least-squares slope over the samples after the warm-up, per minute. */
  slopePerMinute: number;
  /** Samples the slope was fitted on. */
  fitted: number;
}

/** CPU time used, in seconds, and as a share of one core over the sampled time. */
export interface CpuUse {
  seconds: number;
  coreShare: number;
}

export interface LongRunFigures {
  seconds: number;
  samples: number;
  cycles: number;
  commits: number;
  /** Cycles that failed for any reason but a lost push race: each one is a failure of the run. */
  failedCycles: number;
  /** Pushes that lost the race to the person and were recomputed on the new head (correct behaviour, counted). */
  lostRaces: number;
  /** Cycles that lost the race on every push attempt and ended `push-race-lost`; the next cycle starts over. */
  exhaustedCycles: number;
  /** What the branch's history shows (landing.ts): every arrived tag landed, and how fast. */
  landing: LandingFigures;
  /** Whether every slot held its newest tag within `drainSeconds` of the end. */
  drained: boolean;
  /** Broken invariants found in the branch's history (a downgrade, a non-fast-forward, a tag that never landed); empty when clean. */
  violations: string[];
  humanCommits: number;
  warmupSeconds: number;
  /** VmRSS, MiB, every second (raw: garbage not yet collected included, and the node binary's code pages, which the kernel drops and reads back as the machine needs memory). */
  rssMiB: Trend;
  /** RssAnon, MiB, every second: VmRSS without file-backed pages, what the process allocated (garbage not yet collected included). */
  rssAnonMiB: Trend;
  /** RSS right after a full garbage collection, MiB, every `gcEverySeconds`. */
  gcRssMiB: Trend;
  /** RssAnon right after a full garbage collection, MiB: what the process keeps, and what the allocator has not given back. */
  gcRssAnonMiB: Trend;
  /** The V8 heap in use right after a full garbage collection, MiB: what JavaScript really keeps. */
  gcHeapMiB: Trend;
  /** Memory outside the V8 heap (Buffers and other external memory) right after a collection, MiB. */
  gcExternalMiB: Trend;
  /** The V8 heap's size (what it has committed to its spaces) right after a collection, MiB. */
  gcHeapTotalMiB: Trend;
  /** Machine code and bytecode in the heap right after a collection, MiB (code compiled per cycle shows here). */
  gcCodeMiB: Trend;
  /** Anonymous memory after a collection by kind of mapping (smaps.ts), MiB: V8's pages, its code range, malloc's main arena and thread arenas, the rest. */
  gcAnonMiB: Record<Exclude<keyof AnonBreakdown, 'otherMappings'>, Trend>;
  /** Open file descriptors but those on pack files. */
  fds: Trend;
  /** Descriptors on pack files: at most MAX_OPEN_PACKS, whatever the number of packs the clone holds. */
  packFds: Trend;
  /** Packs the clone held at most (in its directory), against the descriptors open on them. */
  maxPacksInClone: number;
  /** The tagpilot process's CPU over the sampled time. */
  cpu: CpuUse;
  /** Everything the test ran (the test itself, the registry, git http-backend, the git commands of the person, tagpilot). */
  cpuAll: CpuUse;
  exitCode: number | null;
}

/**
 * Pack descriptors open at once: the object reader's MAX_OPEN_PACKS, and one more for a moment
 * while a fetched pack is written or isomorphic-git reads one whole to build a commit.
 */
export const MAX_PACK_FDS = MAX_OPEN_PACKS + 1;

/** The Dockerfile's NODE_OPTIONS. */
export const SHIPPED_NODE_OPTIONS = '--max-old-space-size=64 --max-semi-space-size=1';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export async function runLong(options: LongRunOptions): Promise<{ figures: LongRunFigures; logs: string }> {
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-long-run-'));
  const [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
  // Stopped before the CPU of their (reaped) processes is read, or at the end if the run failed first.
  let stopping: Promise<unknown> | undefined;
  const stopServers = () => (stopping ??= Promise.all([registry.stop(), server.stop()]));
  try {
    const rand = random(options.seed);
    const all = seriesFor(options.seed);
    const arrivals: Arrival[] = [];
    let clock = Date.now() - 3_600_000;
    const arrive = async (s: Series) => {
      const tag = s.name(s.tags.length);
      await seedTags(registry.url, s.repo, [{ tag, created: new Date((clock += 1_000)) }]);
      s.tags.push(tag);
      // The first tag of each series is the slot's value at the start, not an update.
      if (s.tags.length > 1) arrivals.push({ series: all.indexOf(s), rank: s.tags.length - 1, at: Date.now() });
    };
    for (const s of all) await arrive(s);
    const bare = createBareRepo(server.root, 'fleet', { ...Object.fromEntries(all.map((s) => [s.file, automated(s.repo.split('/')[1]!, `${registry.host}/${s.repo}:${s.tags[0]}`, s.policy)])), 'docs/notes.md': '# notes\n' });
    if ((options.historyCommits ?? 0) > 0) seedHistory(bare, options.historyCommits!);
    // The hook, not git's own setting, refuses a non-fast-forward here: so it sees and records every attempt.
    git(bare, 'config', 'receive.denyNonFastForwards', 'false');
    const moves = join(work, 'moves.log');
    writeFileSync(moves, '');
    installHook(bare, 'update', UPDATE_HOOK(moves));
    // Newer tags already wait: the first cycle commits (later arrivals are seen as the tag-list cache expires, once a minute).
    for (const s of all) await arrive(s);
    const config = writeConfig(work, `interval: 1s\ngit:\n  url: ${server.repoUrl('fleet')}\n  paths: [apps]\n  author: { name: tagpilot-bot, email: bot@example.com }\nregistries:\n  - { host: "${registry.host}", insecure: true }\ncacheDir: ${join(work, 'cache')}\n`);

    // As the container runs it (Dockerfile): a capped heap, so a leak ends in growing RSS or an out-of-memory exit, not in a lazily grown heap.
    // At debug, because a cycle with nothing to do logs its summary line only there, and every cycle is counted.
    const env = { ...process.env, NODE_OPTIONS: SHIPPED_NODE_OPTIONS, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', LOG_LEVEL: 'debug', LOG_FORMAT: 'json' };
    // The probe on descriptor 3 reads memory after a collection; the heap flags stay the shipped ones.
    const child = spawn(process.execPath, ['--expose-gc', '--import', GC_PROBE, MAIN, 'run', '--config', config], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env });
    let logs = '';
    child.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const probe = gcProbe(child.stdio[3] as Readable, child.pid!);
    const counters = { arrivals: 0, humanCommits: 0 };
    const packDir = join(work, 'cache', 'git');
    try {
      await firstCycle(() => logs, child.pid!);
      const cpuStart = { child: cpuSeconds(child.pid!), all: ownCpuSeconds(), at: performance.now() };
      const gcSamples: GcSample[] = [];
      let maxPacksInClone = 0;
      const samples = await sample(child.pid!, options, async (second, at) => {
        maxPacksInClone = Math.max(maxPacksInClone, packsIn(packDir));
        if (second % options.gcEverySeconds === 0) gcSamples.push({ at, ...(await probe()) });
        if (second % Math.max(1, Math.round(options.tagEveryMs / 1000)) === 0) {
          await arrive(all[Math.floor(rand() * all.length)]!);
          counters.arrivals++;
        }
        if (second % Math.max(1, Math.round(options.humanEveryMs / 1000)) === 0) {
          humanCommit(bare, { 'docs/notes.md': `# notes\n\nrevision ${++counters.humanCommits}\n` }, `Human: notes ${counters.humanCommits}`);
        }
      });
      const sampledSeconds = (performance.now() - cpuStart.at) / 1000;
      const cpu = share(cpuSeconds(child.pid!) - cpuStart.child, sampledSeconds);
      const drained = await drain(bare, all, options.drainSeconds * 1000);
      child.kill('SIGTERM');
      const [exitCode] = await exited;
      if (options.seriesFile !== undefined) writeFileSync(options.seriesFile, JSON.stringify({ samples, gcSamples }));
      const fit = (points: readonly { at: number; value: number }[]) => trend(points, options.warmupSeconds);
      const commits = Number(git(bare, 'rev-list', '--count', '--author=tagpilot-bot', 'main').trim());
      const { figures: landing, violations } = checkLanding(bare, moves, all, arrivals);
      const failed = failedCycles(logs);
      await stopServers();
      // The servers and the person's git commands are children of this process, reaped by now.
      const cpuAll = share(ownCpuSeconds() - cpuStart.all, sampledSeconds);
      const figures: LongRunFigures = {
        seconds: options.seconds,
        samples: samples.length,
        cycles: count(logs, /"msg":"cycle: /g),
        commits,
        failedCycles: failed.length - failed.filter((code) => code === 'push-race-lost').length,
        lostRaces: count(logs, /"msg":"lost the push race/g),
        exhaustedCycles: failed.filter((code) => code === 'push-race-lost').length,
        landing,
        drained,
        violations,
        ...counters,
        warmupSeconds: options.warmupSeconds,
        rssMiB: fit(samples.map((s) => ({ at: s.at, value: s.rssKiB / 1024 }))),
        rssAnonMiB: fit(samples.map((s) => ({ at: s.at, value: s.anonKiB / 1024 }))),
        gcRssMiB: fit(gcSamples.map((s) => ({ at: s.at, value: s.rss / MIB }))),
        gcRssAnonMiB: fit(gcSamples.map((s) => ({ at: s.at, value: s.rssAnon / MIB }))),
        gcHeapMiB: fit(gcSamples.map((s) => ({ at: s.at, value: s.heapUsed / MIB }))),
        gcExternalMiB: fit(gcSamples.map((s) => ({ at: s.at, value: s.external / MIB }))),
        gcHeapTotalMiB: fit(gcSamples.map((s) => ({ at: s.at, value: s.heapTotal / MIB }))),
        gcCodeMiB: fit(gcSamples.map((s) => ({ at: s.at, value: (s.code + s.bytecode) / MIB }))),
        gcAnonMiB: anonTrends(gcSamples, fit),
        fds: fit(samples.map((s) => ({ at: s.at, value: s.fds }))),
        packFds: fit(samples.map((s) => ({ at: s.at, value: s.packFds }))),
        maxPacksInClone,
        cpu,
        cpuAll,
        exitCode,
      };
      return { figures, logs };
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  } finally {
    await stopServers();
    rmSync(work, { recursive: true, force: true });
  }
}

/** `count` commits of the person's notes, made in one clone and pushed at once. */
function seedHistory(bare: string, count: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-history-'));
  try {
    git(dir, 'clone', '-q', bare, '.');
    for (let i = 1; i <= count; i++) {
      writeFileSync(join(dir, 'docs', 'notes.md'), `# notes\n\nearlier revision ${i}\n`);
      git(dir, 'commit', '-qam', `Human: earlier notes ${i}`);
    }
    git(dir, 'push', '-q', 'origin', 'HEAD:main');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function firstCycle(logs: () => string, pid: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!/"msg":"cycle: /.test(logs())) {
    if (Date.now() > deadline || sampleProcess(pid) === undefined) throw new Error(`no first cycle within 60 s:\n${logs()}`);
    await sleep(50);
  }
}

interface Sample {
  /** Seconds since sampling began. */
  at: number;
  rssKiB: number;
  anonKiB: number;
  fds: number;
  packFds: number;
}

interface GcSample {
  at: number;
  rss: number;
  rssAnon: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Per V8 space (new_space, old_space, code_space, large_object_space…): bytes reserved, used, committed. */
  spaces: Record<string, { size: number; used: number; committed: number }>;
  /** Machine code and bytecode (with their metadata) in the heap, bytes. */
  code: number;
  bytecode: number;
  /** Anonymous memory by kind of mapping, KiB (smaps.ts). */
  anonKiB: AnonBreakdown;
}

const MIB = 2 ** 20;
const GC_PROBE = fileURLToPath(new URL('./gc-probe.ts', import.meta.url));

/** Asks the child's gc-probe for one reading (SIGUSR2) and waits for its line on descriptor 3. */
function gcProbe(pipe: Readable, pid: number): () => Promise<Omit<GcSample, 'at'>> {
  const lines = createInterface({ input: pipe })[Symbol.asyncIterator]();
  return async () => {
    process.kill(pid, 'SIGUSR2');
    // Seconds, not milliseconds: on a loaded machine, and a heap snapshot (gc-probe.ts) when asked for.
    const deadline = sleep(60_000).then(() => ({ done: true, value: undefined }) as const);
    const line = await Promise.race([lines.next(), deadline]);
    if (line.done) throw new Error(`tagpilot run (pid ${pid}) gave no memory reading within 60 s of SIGUSR2`);
    return JSON.parse(line.value) as Omit<GcSample, 'at'>;
  };
}

/** Packs (their indexes) in every clone under the cache's git directory. */
function packsIn(gitCache: string): number {
  try {
    return readdirSync(gitCache).reduce((n, key) => n + readdirSync(join(gitCache, key, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.idx')).length, 0);
  } catch {
    return 0; // no clone yet, or one being dropped
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux the tests run on). */
const TICKS = 100;

/** A live process's CPU time (user + system), seconds. */
function cpuSeconds(pid: number): number {
  const fields = statFields(`/proc/${pid}/stat`);
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** This process's CPU time and that of its children it has reaped, seconds. */
function ownCpuSeconds(): number {
  const fields = statFields('/proc/self/stat');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS;
}

/** The fields of /proc/<pid>/stat after `comm` (which may hold spaces): state is [0], utime [11]. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function share(seconds: number, over: number): CpuUse {
  return { seconds: Math.round(seconds * 10) / 10, coreShare: Math.round((seconds / over) * 1000) / 1000 };
}

/** One sample a second for `options.seconds`; `tick` runs after each (tags arrive, a person pushes, memory after a collection is read). */
async function sample(pid: number, options: LongRunOptions, tick: (second: number, at: number) => Promise<void>): Promise<Sample[]> {
  const samples: Sample[] = [];
  const start = performance.now();
  for (let second = 1; second <= options.seconds; second++) {
    const read = sampleProcess(pid);
    if (read === undefined) throw new Error(`tagpilot run (pid ${pid}) exited during the run`);
    const at = (performance.now() - start) / 1000;
    samples.push({ at, ...read });
    await tick(second, at);
    // On the second, however long the tick took: the samples stay one second apart.
    await sleep(Math.max(0, start + second * 1000 - performance.now()));
  }
  return samples;
}

/** Spread over every sample; slope (per minute) by least squares over those from `warmupSeconds` on. */
export function trend(points: readonly { at: number; value: number }[], warmupSeconds: number): Trend {
  const values = points.map((p) => p.value).sort((a, b) => a - b);
  const kept = points.filter((p) => p.at >= warmupSeconds);
  const n = kept.length;
  const meanT = kept.reduce((s, p) => s + p.at, 0) / n;
  const meanV = kept.reduce((s, p) => s + p.value, 0) / n;
  const covariance = kept.reduce((s, p) => s + (p.at - meanT) * (p.value - meanV), 0);
  const variance = kept.reduce((s, p) => s + (p.at - meanT) ** 2, 0);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { min: round(values[0] ?? 0), median: round(values[Math.floor(values.length / 2)] ?? 0), max: round(values.at(-1) ?? 0), slopePerMinute: round(n < 2 || variance === 0 ? 0 : (covariance / variance) * 60), fitted: n };
}

const ANON_KINDS = ['v8Pages', 'v8Code', 'brk', 'arenas', 'stacks', 'other'] as const;

function anonTrends(samples: readonly GcSample[], fit: (points: readonly { at: number; value: number }[]) => Trend): LongRunFigures['gcAnonMiB'] {
  const of = (kind: (typeof ANON_KINDS)[number]) => fit(samples.map((s) => ({ at: s.at, value: s.anonKiB[kind] / 1024 })));
  return Object.fromEntries(ANON_KINDS.map((kind) => [kind, of(kind)])) as LongRunFigures['gcAnonMiB'];
}

/** The error code of every failed cycle in the log (`internal` when it has none). */
export function failedCycles(logs: string): string[] {
  return logs
    .split('\n')
    .filter((line) => line.includes('"msg":"cycle failed"'))
    .map((line) => (JSON.parse(line) as { err?: { code?: string } }).err?.code ?? 'internal');
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
