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
import { checkLanding, drain, type Arrival, type LandingFigures } from './landing.ts';

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

export interface WritersFigures extends LandingFigures {
  writers: number;
  seconds: number;
  cycles: number;
  humanCommits: number;
  lostRaces: number;
  /** Cycles that gave up after their push attempts (the next cycle lands the update). */
  exhaustedCycles: number;
}

export interface WritersResult {
  figures: WritersFigures;
  /** Broken promises; empty when the run is clean. */
  violations: string[];
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

  const { figures, violations } = checkLanding(bare, moves, all, arrivals);
  if (!drained) violations.push(`not every arrived tag landed within ${options.drainMs} ms of the last arrival`);
  violations.push(...problems);
  return { violations, figures: { ...figures, writers: options.writers, seconds: options.seconds, cycles: counters.cycles, lostRaces: counters.lostRaces, exhaustedCycles: counters.exhausted, humanCommits: counters.humanCommits } };

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
