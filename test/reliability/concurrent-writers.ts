/**
 * The concurrent-writers scenario, shared by the short run in `npm test` and the long one in
 * `npm run soak`: two or three writers (each its own registry client, tag-list cache and clone,
 * looping on a short interval, started at different times) and a human push to one branch of a
 * real git http-backend while tags arrive in a real Distribution registry, under semver, glob (build
 * time) and numerical policies. A server-side `update` hook records every ref move and refuses
 * anything but a fast-forward. Afterwards the branch's history is checked: every arrived tag
 * landed, no slot ever moved to an older tag or back to an earlier value, no writer commit is
 * empty or repeats a change; and the time from a tag's arrival to the commit that landed it is
 * measured.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags } from '../harness/images.ts';
import { createBareRepo, git, gitQuiet, installHook } from '../harness/git-repos.ts';
import { automated } from '../harness/manifests.ts';
import { runCycle, type CycleDeps } from '../../src/automation/cycle.ts';
import { GitRepo } from '../../src/git/repo.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { random, seriesFor, slotValue, UPDATE_HOOK, type Series } from './scenario.ts';

export interface WritersOptions {
  writers: 2 | 3;
  /** How long tags arrive and the human pushes. */
  seconds: number;
  /** Tags that arrive at least, however slow the machine (the run lasts longer if it must). */
  minArrivals?: number;
  /** Each writer's pause between cycles. */
  intervalMs: number;
  /** A tag arrives in one of the repositories this often. */
  tagEveryMs: number;
  /** The human pushes this often: a replica change, or a release by hand of the newest tag. */
  humanEveryMs: number;
  /** After the last arrival, how long the last updates may take to land. */
  drainMs: number;
  seed: number;
}

export interface WritersFigures {
  writers: number;
  seconds: number;
  arrivals: number;
  cycles: number;
  writerCommits: number;
  humanCommits: number;
  lostRaces: number;
  /** Cycles that gave up after their push attempts (the next cycle lands the update). */
  exhaustedCycles: number;
  refMoves: number;
  /** Arrived tags first landed by a writer, and by the human's release by hand. */
  landedByWriters: number;
  landedByHuman: number;
  /** Time from a tag's arrival to the commit that first put it (or a newer one) in its slot, ms. */
  latencyMs: { p50: number; p95: number; max: number };
}

export interface WritersResult {
  figures: WritersFigures;
  /** Broken promises; empty when the run is clean. */
  violations: string[];
}

interface Arrival {
  series: number;
  rank: number;
  at: number;
}

export async function runConcurrentWriters(options: WritersOptions): Promise<WritersResult> {
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-writers-'));
  const [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
  try {
    return await scenario(options, registry, server, work);
  } finally {
    await Promise.all([registry.stop(), server.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

async function scenario(options: WritersOptions, registry: TestRegistry, server: GitServer, work: string): Promise<WritersResult> {
  const rand = random(options.seed);
  const all = seriesFor(options.seed);
  const arrivals: Arrival[] = [];
  for (const s of all) {
    s.tags.push(s.name(0));
    await seedTags(registry.url, s.repo, [{ tag: s.name(0), created: new Date(Date.now() - 3_600_000) }]);
  }
  const bare = createBareRepo(server.root, 'fleet', Object.fromEntries(all.map((s) => [s.file, automated(s.repo.split('/')[1]!, `${registry.host}/${s.repo}:${s.tags[0]}`, s.policy)])));
  // The hook, not git's own setting, is what refuses a non-fast-forward here: so it sees every attempt.
  git(bare, 'config', 'receive.denyNonFastForwards', 'false');
  const moves = join(work, 'moves.log');
  writeFileSync(moves, '');
  installHook(bare, 'update', UPDATE_HOOK(moves));

  const counters = { cycles: 0, lostRaces: 0, exhausted: 0, humanCommits: 0 };
  const problems: string[] = [];
  let stopped = false;
  const writers = Array.from({ length: options.writers }, (_, i) => writerLoop(i));
  const started = Date.now();
  const arrivingFor = () => Date.now() - started < options.seconds * 1000 || arrivals.length < (options.minArrivals ?? 0);
  const arriving = (async () => {
    while (arrivingFor()) {
      const index = Math.floor(rand() * all.length);
      const s = all[index]!;
      const tag = s.name(s.tags.length);
      const at = Date.now();
      await seedTags(registry.url, s.repo, [{ tag, created: new Date(at) }]);
      s.tags.push(tag);
      arrivals.push({ series: index, rank: s.tags.length - 1, at });
      await sleep(options.tagEveryMs * (0.5 + rand()));
    }
  })();
  const human = (async () => {
    while (arrivingFor()) {
      await sleep(options.humanEveryMs * (0.5 + rand()));
      if (await humanPush(bare, work, all, rand)) counters.humanCommits++;
    }
  })();
  await Promise.all([arriving, human]);
  const drained = await drain(bare, all, options.drainMs);
  stopped = true;
  await Promise.all(writers);

  const result = analyse(bare, moves, all, arrivals);
  if (!drained) result.violations.push(`not every arrived tag landed within ${options.drainMs} ms of the last arrival`);
  result.violations.push(...problems);
  result.figures = { ...result.figures, writers: options.writers, seconds: options.seconds, cycles: counters.cycles, lostRaces: counters.lostRaces, exhaustedCycles: counters.exhausted, humanCommits: counters.humanCommits };
  return result;

  async function writerLoop(i: number): Promise<void> {
    const dir = join(work, `writer-${i + 1}`);
    // Separate caches, staggered starts and tag-list TTLs: the writers see the registry at different moments.
    const client = new RegistryClient({ registries: [{ host: registry.host, insecure: true }], cacheDir: dir, tagCacheTtlMs: 1_000 + 700 * i, backoffMs: 50, maxBackoffMs: 500 });
    const log = pino({ level: 'warn' }, { write: (line: string) => void (line.includes('lost the push race') && counters.lostRaces++) });
    const deps: CycleDeps = { repo: GitRepo.forRemote(join(dir, 'git'), { url: server.repoUrl('fleet'), branch: 'main' }), tags: client, branch: 'main', paths: ['apps'], author: { name: `tagpilot-${i + 1}`, email: `bot-${i + 1}@example.com` }, log };
    await sleep(i * options.intervalMs * 0.4);
    try {
      while (!stopped) {
        counters.cycles++;
        try {
          const report = await runCycle(deps);
          problems.push(...report.problems.map((p) => `tagpilot-${i + 1}: ${p.subject}: ${p.message}`));
        } catch {
          counters.exhausted++; // a branch that kept moving: bounded, and the next cycle tries again
        }
        await sleep(options.intervalMs);
      }
    } finally {
      await client.close();
    }
  }
}

/** The person: a clone, one edit, a push; a rejected push starts over from a fresh clone. */
async function humanPush(bare: string, work: string, all: Series[], rand: () => number): Promise<boolean> {
  const releaseOf = rand() < 0.5 ? all[Math.floor(rand() * all.length)] : undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const dir = mkdtempSync(join(work, 'human-'));
    try {
      gitQuiet(dir, 'clone', '-q', bare, '.');
      const edited = releaseOf === undefined ? tuneReplicas(dir, all[0]!) : releaseByHand(dir, releaseOf, registryHostOf(dir, releaseOf));
      if (!edited) return false;
      gitQuiet(dir, 'commit', '-qam', releaseOf === undefined ? 'Human: tune replicas' : `Human: release ${releaseOf.repo} by hand`);
      gitQuiet(dir, 'push', '-q', 'origin', 'HEAD:main');
      return true;
    } catch {
      await sleep(20 + rand() * 80); // lost the race to a bot: start over on the new head
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return false;
}

function tuneReplicas(dir: string, s: Series): boolean {
  const path = join(dir, s.file);
  const text = readFileSync(path, 'utf8');
  const replicas = /replicas: (\d+)/.exec(text);
  writeFileSync(path, replicas === null ? text.replace(/^spec:\n/m, 'spec:\n  replicas: 2\n') : text.replace(/replicas: \d+/, `replicas: ${(Number(replicas[1]) % 5) + 1}`));
  return true;
}

/** Sets the slot to the newest tag that has arrived, if it is not there yet: what a person releasing by hand does. */
function releaseByHand(dir: string, s: Series, host: string): boolean {
  const path = join(dir, s.file);
  const text = readFileSync(path, 'utf8');
  const newest = s.tags.at(-1)!;
  const current = slotValue(text, s);
  if (current === undefined || s.tags.indexOf(current) >= s.tags.length - 1) return false;
  writeFileSync(path, text.replace(`${host}/${s.repo}:${current}`, `${host}/${s.repo}:${newest}`));
  return true;
}

function registryHostOf(dir: string, s: Series): string {
  const match = new RegExp(`image: (\\S+)/${s.repo}:`).exec(readFileSync(join(dir, s.file), 'utf8'));
  return match![1]!;
}

/** Waits until every slot holds its series' newest tag. */
async function drain(bare: string, all: Series[], ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const files = all.map((s) => git(bare, 'show', `main:${s.file}`));
    if (all.every((s, i) => slotValue(files[i]!, s) === s.tags.at(-1))) return true;
    if (Date.now() > until) return false;
    await sleep(100);
  }
}

interface State {
  sha: string;
  author: string;
  parents: number;
  /** Rank of each series' slot value in its arrival order (-1: a value that never arrived). */
  ranks: number[];
  values: string[];
}

function analyse(bare: string, movesFile: string, all: Series[], arrivals: Arrival[]): WritersResult {
  const violations: string[] = [];
  const moves = readFileSync(movesFile, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
  for (const move of moves) if (move[4] === 'refused') violations.push(`a non-fast-forward move was attempted: ${move[2]} → ${move[3]}`);
  const landedAt = new Map(moves.filter((m) => m[4] === undefined).map((m) => [m[3]!, Number(m[0])]));
  const history: State[] = git(bare, 'log', '--reverse', '--format=%H %P|%an', 'main')
    .trim()
    .split('\n')
    .map((line) => {
      const [shas = '', author = ''] = line.split('|');
      const [sha = '', ...parents] = shas.trim().split(' ');
      const values = all.map((s) => slotValue(git(bare, 'show', `${sha}:${s.file}`), s) ?? '');
      return { sha, author, parents: parents.length, values, ranks: values.map((v, i) => all[i]!.tags.indexOf(v)) };
    });
  checkHistory(history, all, violations);
  const latencies: number[] = [];
  let byHuman = 0;
  for (const arrival of arrivals) {
    const landing = history.find((state) => state.ranks[arrival.series]! >= arrival.rank);
    if (landing === undefined) {
      violations.push(`${all[arrival.series]!.tags[arrival.rank]} (${all[arrival.series]!.repo}) never landed`);
      continue;
    }
    if (landing.author === 'Dev') byHuman++;
    else latencies.push(Math.max(0, (landedAt.get(landing.sha) ?? Number.NaN) - arrival.at));
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const writerCommits = history.filter((s) => s.author.startsWith('tagpilot-')).length;
  return {
    violations,
    figures: { writers: 0, seconds: 0, arrivals: arrivals.length, cycles: 0, writerCommits, humanCommits: 0, lostRaces: 0, exhaustedCycles: 0, refMoves: moves.length, landedByWriters: latencies.length, landedByHuman: byHuman, latencyMs: { p50: at(0.5), p95: at(0.95), max: latencies.at(-1) ?? 0 } },
  };
}

/** Linear, fast-forward history; per slot, ranks never go down and values never come back; writer commits change something new. */
function checkHistory(history: State[], all: Series[], violations: string[]): void {
  const seenValues = all.map(() => new Set<string>());
  const transitions = new Set<string>();
  for (const [i, state] of history.entries()) {
    if (state.parents > 1) violations.push(`a merge commit ${state.sha.slice(0, 12)} on the branch`);
    const previous = history[i - 1];
    let changed = false;
    for (const [k, s] of all.entries()) {
      const value = state.values[k]!;
      if (previous === undefined) {
        seenValues[k]!.add(value);
        continue;
      }
      const before = previous.values[k]!;
      if (value === before) continue;
      changed = true;
      if (state.ranks[k]! < previous.ranks[k]!) violations.push(`downgrade by ${state.author}: ${s.repo} ${before} → ${value} (${state.sha.slice(0, 12)})`);
      if (seenValues[k]!.has(value)) violations.push(`ping-pong by ${state.author}: ${s.repo} back to ${value} (${state.sha.slice(0, 12)})`);
      seenValues[k]!.add(value);
      const transition = `${s.repo} ${before} → ${value}`;
      if (transitions.has(transition) && state.author.startsWith('tagpilot-')) violations.push(`duplicate change by ${state.author}: ${transition}`);
      transitions.add(transition);
    }
    if (previous !== undefined && !changed && state.author.startsWith('tagpilot-')) violations.push(`a writer commit that changes no slot: ${state.sha.slice(0, 12)} by ${state.author}`);
  }
}
