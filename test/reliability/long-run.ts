/**
 * The long-run scenario, shared by the short run in `npm test` and the long one in `npm run
 * soak`: one real `tagpilot run` child process on a 1 s interval (the smallest the config
 * allows) against a real Distribution registry and a real `git http-backend`, while tags arrive
 * and a person pushes commits, so cycles fetch packs, list tags, commit and push, and now and then
 * drop the clone and clone again. Its resident memory (VmRSS) and open file descriptors are read
 * from /proc every second; over the second half a least-squares slope must stay under a bound.
 * Descriptors on pack files are counted apart: one per pack, they are bounded by the packs a
 * clone may gather (MAX_PACK_FDS), not flat.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry } from '../harness/registry.ts';
import { startGitServer } from '../harness/git-server.ts';
import { seedTags } from '../harness/images.ts';
import { createBareRepo, git, humanCommit } from '../harness/git-repos.ts';
import { automated } from '../harness/manifests.ts';
import { writeConfig } from '../harness/fleet.ts';
import { sampleProcess } from '../harness/proc.ts';
import { random, seriesFor, type Series } from './scenario.ts';

export interface LongRunOptions {
  /** How long the process is sampled, after its first cycle. */
  seconds: number;
  /** A tag arrives in one of the repositories this often. */
  tagEveryMs: number;
  /** A person pushes a commit this often. */
  humanEveryMs: number;
  seed: number;
}

/** A sampled quantity: its spread over the whole run and its trend over the second half. */
export interface Trend {
  min: number;
  median: number;
  max: number;
  /** Least-squares slope over the second half, per minute. */
  slopePerMinute: number;
}

export interface LongRunFigures {
  seconds: number;
  samples: number;
  cycles: number;
  commits: number;
  failedCycles: number;
  arrivals: number;
  humanCommits: number;
  /** VmRSS, MiB. */
  rssMiB: Trend;
  /** Open file descriptors but those on pack files. */
  fds: Trend;
  /**
   * Descriptors on pack files: one per pack of the clone, so they climb with every fetch that
   * brings a pack and fall when the clone is dropped and cloned afresh (past 50 packs). Bounded,
   * not flat: their slope depends on where the half falls in that saw-tooth.
   */
  packFds: Trend;
  /** Clones dropped for their number of packs (seen as the pack descriptors falling). */
  reclones: number;
  exitCode: number | null;
}

/** A clone gathers at most 50 packs (GitRepo's maxPacks); the fetch that brings the 51st is the last before it is dropped. */
export const MAX_PACK_FDS = 51;

/** The Dockerfile's NODE_OPTIONS. */
export const SHIPPED_NODE_OPTIONS = '--max-old-space-size=64 --max-semi-space-size=1';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export async function runLong(options: LongRunOptions): Promise<{ figures: LongRunFigures; logs: string }> {
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-long-run-'));
  const [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
  try {
    const rand = random(options.seed);
    const all = seriesFor(options.seed);
    let clock = Date.now() - 3_600_000;
    const arrive = async (s: Series) => {
      const tag = s.name(s.tags.length);
      await seedTags(registry.url, s.repo, [{ tag, created: new Date((clock += 1_000)) }]);
      s.tags.push(tag);
    };
    for (const s of all) await arrive(s);
    const bare = createBareRepo(server.root, 'fleet', { ...Object.fromEntries(all.map((s) => [s.file, automated(s.repo.split('/')[1]!, `${registry.host}/${s.repo}:${s.tags[0]}`, s.policy)])), 'docs/notes.md': '# notes\n' });
    // Newer tags already wait: the first cycle commits (later arrivals are seen as the tag-list cache expires, once a minute).
    for (const s of all) await arrive(s);
    const config = writeConfig(work, `interval: 1s\ngit:\n  url: ${server.repoUrl('fleet')}\n  paths: [apps]\n  author: { name: tagpilot-bot, email: bot@example.com }\nregistries:\n  - { host: "${registry.host}", insecure: true }\ncacheDir: ${join(work, 'cache')}\n`);

    // As the container runs it (Dockerfile): a capped heap, so a leak ends in growing RSS or an out-of-memory exit, not in a lazily grown heap.
    // At debug, because a cycle with nothing to do logs its summary line only there, and every cycle is counted.
    const env = { ...process.env, NODE_OPTIONS: SHIPPED_NODE_OPTIONS, MALLOC_ARENA_MAX: '2', LOG_LEVEL: 'debug', LOG_FORMAT: 'json' };
    const child = spawn(process.execPath, [MAIN, 'run', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let logs = '';
    child.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const counters = { arrivals: 0, humanCommits: 0 };
    try {
      await firstCycle(() => logs, child.pid!);
      const samples = await sample(child.pid!, options, async (second) => {
        if (second % Math.max(1, Math.round(options.tagEveryMs / 1000)) === 0) {
          await arrive(all[Math.floor(rand() * all.length)]!);
          counters.arrivals++;
        }
        if (second % Math.max(1, Math.round(options.humanEveryMs / 1000)) === 0) {
          humanCommit(bare, { 'docs/notes.md': `# notes\n\nrevision ${++counters.humanCommits}\n` }, `Human: notes ${counters.humanCommits}`);
        }
      });
      child.kill('SIGTERM');
      const [exitCode] = await exited;
      const commits = Number(git(bare, 'rev-list', '--count', '--author=tagpilot-bot', 'main').trim());
      const figures: LongRunFigures = {
        seconds: options.seconds,
        samples: samples.length,
        cycles: count(logs, /"msg":"cycle: /g),
        commits,
        failedCycles: count(logs, /"msg":"cycle failed"/g),
        ...counters,
        rssMiB: trend(samples.map((s) => ({ at: s.at, value: s.rssKiB / 1024 }))),
        fds: trend(samples.map((s) => ({ at: s.at, value: s.fds }))),
        packFds: trend(samples.map((s) => ({ at: s.at, value: s.packFds }))),
        reclones: samples.filter((s, i) => i > 0 && s.packFds < samples[i - 1]!.packFds - 10).length,
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
    await Promise.all([registry.stop(), server.stop()]);
    rmSync(work, { recursive: true, force: true });
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
  fds: number;
  packFds: number;
}

/** One sample a second for `options.seconds`; `tick` runs after each (tags arrive, a person pushes). */
async function sample(pid: number, options: LongRunOptions, tick: (second: number) => Promise<void>): Promise<Sample[]> {
  const samples: Sample[] = [];
  const start = performance.now();
  for (let second = 1; second <= options.seconds; second++) {
    const read = sampleProcess(pid);
    if (read === undefined) throw new Error(`tagpilot run (pid ${pid}) exited during the run`);
    samples.push({ at: (performance.now() - start) / 1000, ...read });
    await tick(second);
    // On the second, however long the tick took: the samples stay one second apart.
    await sleep(Math.max(0, start + second * 1000 - performance.now()));
  }
  return samples;
}

/** Spread over every sample; slope (per minute) by least squares over the second half. */
export function trend(points: readonly { at: number; value: number }[]): Trend {
  const values = points.map((p) => p.value).sort((a, b) => a - b);
  const half = points.slice(Math.floor(points.length / 2));
  const n = half.length;
  const meanT = half.reduce((s, p) => s + p.at, 0) / n;
  const meanV = half.reduce((s, p) => s + p.value, 0) / n;
  const covariance = half.reduce((s, p) => s + (p.at - meanT) * (p.value - meanV), 0);
  const variance = half.reduce((s, p) => s + (p.at - meanT) ** 2, 0);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { min: round(values[0] ?? 0), median: round(values[Math.floor(values.length / 2)] ?? 0), max: round(values.at(-1) ?? 0), slopePerMinute: round(variance === 0 ? 0 : (covariance / variance) * 60) };
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
