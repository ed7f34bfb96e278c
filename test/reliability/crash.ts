/**
 * The kill -9 scenario, shared by the short run in `npm test` and the long one in `npm run soak`:
 * real `tagpilot run --once` child processes, one after another on the same cache directory,
 * against a real Distribution registry (behind a pass-through proxy that tells us what the child
 * asks) and a real `git http-backend`, while tags arrive and a person commits now and then. Most
 * children are killed with SIGKILL at a random moment: during the sync, the registry listing, the
 * metadata fetch, the commit, the push or the read-back, or at a random time. Afterwards: `git
 * fsck --strict` on the server repository is clean; every ref move was a fast-forward; the branch
 * holds the newest tag of every slot and each tag transition is in its history once; no bot
 * commit is empty; every child that was not killed exited 0 with the branch up to date (the cache
 * a killed child left never makes a later cycle fail, or it heals, visibly in the logs); and no
 * killed child left a process behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { htpasswdConfig, startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitRequest, type GitServer } from '../harness/git-server.ts';
import { FaultProxy, type SeenRequest } from '../harness/fault-proxy.ts';
import { seedTags } from '../harness/images.ts';
import { createBareRepo, git, humanCommit, installHook } from '../harness/git-repos.ts';
import { automated } from '../harness/manifests.ts';
import { writeConfig } from '../harness/fleet.ts';
import { alive, descendants, type ProcessInfo } from '../harness/proc.ts';
import { random, seriesFor, slotValue, type Series, UPDATE_HOOK } from './scenario.ts';

export interface CrashOptions {
  /** SIGKILLs to deliver at least (children that finish before their moment do not count). */
  kills: number;
  seed: number;
  /** Chance that a tag arrives before a child starts. */
  arrivalChance?: number;
  /** Chance that a person commits (a file outside the watched paths) before a child starts. */
  humanChance?: number;
  /** Chance that a child is left to finish instead of being killed. */
  finishChance?: number;
  /**
   * Chance that, after a kill, a file the killed child wrote is cut short: what a kill in the
   * middle of a write leaves when the writer does not write a temp file and rename it (emulated,
   * since the real window is microseconds), or a damaged disk. The cache must heal.
   */
  tearChance?: number;
}

/** Where a child is killed: after an event it causes (plus a random delay), or at a random time. */
export type Moment = 'anytime' | 'sync' | 'listing' | 'metadata' | 'commit' | 'push' | 'read-back';
const MOMENTS: readonly Moment[] = ['anytime', 'sync', 'listing', 'metadata', 'commit', 'push', 'read-back'];
/** How long after its event a moment's kill may come, at most: long enough to land inside the step (a push may land or not). */
const DELAY_MS: Record<Exclude<Moment, 'anytime'>, number> = { sync: 40, listing: 60, metadata: 30, commit: 30, push: 80, 'read-back': 30 };

export interface CrashFigures {
  seed: number;
  children: number;
  kills: number;
  killsBy: Record<Moment, number>;
  /** Kills that caught the child with a process of its own running (its credential helper). */
  killsWithChildren: number;
  /** Kills after which the remote branch had moved: the push landed though its child died. */
  killsAfterLanding: number;
  /** Children that ran to the end (exit 0 expected each time). */
  completed: number;
  /** Files cut short after a kill (emulated torn writes), by kind. */
  tears: Record<string, number>;
  /** Children whose logs show the cache healing (a damaged clone or cache file dropped and rebuilt). */
  heals: number;
  arrivals: number;
  humanCommits: number;
  botCommits: number;
  refMoves: number;
  /** Files a killed child left in the cache that nothing reads (temp files, packs without an index). */
  leftovers: number;
  seconds: number;
  /** Median duration of a cycle that ran to the end (as its summary line says), ms. */
  medianCycleMs: number;
}

export interface CrashResult {
  figures: CrashFigures;
  violations: string[];
}

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** A child that has not exited by then hangs: killed, and reported. */
const HANG_MS = 60_000;
/** A heal as the logs show it: the clone or a cache file was found damaged and rebuilt. */
export const HEAL_LOG = /"msg":"[^"]*damaged[^"]*"/;

/** The child being watched: its trigger fires on what it asks the servers. */
interface Watch {
  moment: Moment;
  delayMs: number;
  begun: boolean;
  pushSeen: boolean;
  fired: boolean;
  timer?: NodeJS.Timeout;
  kill: () => void;
}

/** The registry asks for a password, which the children get from a credential helper: a process of theirs a kill may catch. */
const USER = { username: 'ci', password: 'crash-test-secret' };

export async function runCrashes(options: CrashOptions): Promise<CrashResult> {
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-crash-'));
  let watch: Watch | undefined;
  const auth = await htpasswdConfig(work, { [USER.username]: USER.password });
  const [registry, server] = await Promise.all([startRegistry({ extraConfig: auth }), startGitServer({ beforeRequest: (r) => onGit(watch, r) })]);
  const proxy = await FaultProxy.start({ upstream: registry.url, onRequest: (r) => onRegistry(watch, r) });
  try {
    return await scenario(options, { registry, server, proxy, work, setWatch: (w) => (watch = w) });
  } finally {
    await proxy.stop();
    await Promise.all([registry.stop(), server.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

interface Arena {
  registry: TestRegistry;
  server: GitServer;
  proxy: FaultProxy;
  work: string;
  setWatch(watch: Watch | undefined): void;
}

function arm(watch: Watch, delayMs = watch.delayMs): void {
  if (watch.fired) return;
  clearTimeout(watch.timer);
  watch.timer = setTimeout(() => {
    watch.fired = true;
    watch.kill();
  }, delayMs);
}

function onGit(watch: Watch | undefined, r: GitRequest): void {
  if (watch === undefined) return;
  // The cycle has begun (the child's first request): a random moment of it from here.
  if (watch.moment === 'anytime' && !watch.begun) arm(watch);
  watch.begun = true;
  const push = r.method === 'POST' && r.path.endsWith('/git-receive-pack');
  const upload = r.path.endsWith('/git-upload-pack') || r.service === 'git-upload-pack';
  if (push) watch.pushSeen = true;
  if (watch.moment === 'sync' && upload && !watch.pushSeen) arm(watch);
  if (watch.moment === 'push' && push) arm(watch);
  if (watch.moment === 'read-back' && upload && watch.pushSeen) arm(watch);
}

function onRegistry(watch: Watch | undefined, r: SeenRequest): void {
  if (watch === undefined) return;
  const listing = /\/tags\/list/.test(r.path);
  if (watch.moment === 'listing' && listing) arm(watch);
  if (watch.moment === 'metadata' && /\/(manifests|blobs)\//.test(r.path)) arm(watch);
  // The commit is written right after the registry phase: the delay runs from its last request.
  if (watch.moment === 'commit') arm(watch);
}

async function scenario(options: CrashOptions, arena: Arena): Promise<CrashResult> {
  const { registry, server, proxy, work } = arena;
  const rand = random(options.seed);
  const all = seriesFor(options.seed);
  const started = Date.now();
  let clock = started - 3_600_000;
  // Build times strictly increase in arrival order, however fast tags arrive.
  const arrive = async (s: Series) => {
    const tag = s.name(s.tags.length);
    await seedTags(registry.url, s.repo, [{ tag, created: new Date((clock += 1_000)) }], { auth: USER });
    s.tags.push(tag);
  };
  for (const s of all) await arrive(s);
  const image = (s: Series) => `${proxy.host}/${s.repo}:${s.tags[0]}`;
  const bare = createBareRepo(server.root, 'fleet', { ...Object.fromEntries(all.map((s) => [s.file, automated(s.repo.split('/')[1]!, image(s), s.policy)])), 'docs/notes.md': '# notes\n' });
  git(bare, 'config', 'receive.denyNonFastForwards', 'false');
  const moves = join(work, 'moves.log');
  writeFileSync(moves, '');
  installHook(bare, 'update', UPDATE_HOOK(moves));
  const cache = join(work, 'cache');
  const config = writeConfig(work, `git:\n  url: ${server.repoUrl('fleet')}\n  paths: [apps]\n  author: { name: tagpilot-bot, email: bot@example.com }\n  timeouts: { connect: 2s, idle: 5s, operation: 30s }\nregistries:\n  - { host: "${proxy.host}", insecure: true, auth: { helper: crashtest } }\ncacheDir: ${cache}\n`);
  const bin = credentialHelper(work);
  // Children start in half the time with their compiled code cached: more kills a minute.
  const compileCache = join(work, 'compile-cache');

  const violations: string[] = [];
  const figures: CrashFigures = {
    seed: options.seed,
    children: 0,
    kills: 0,
    killsBy: Object.fromEntries(MOMENTS.map((m) => [m, 0])) as Record<Moment, number>,
    killsWithChildren: 0,
    killsAfterLanding: 0,
    completed: 0,
    tears: {},
    heals: 0,
    arrivals: 0,
    humanCommits: 0,
    botCommits: 0,
    refMoves: 0,
    leftovers: 0,
    seconds: 0,
    medianCycleMs: 0,
  };
  const durations: number[] = [];
  const typicalMs = () => (durations.length === 0 ? 300 : [...durations].sort((a, b) => a - b)[Math.floor(durations.length / 2)]!);

  while (figures.kills < options.kills) {
    if (rand() < (options.arrivalChance ?? 0.7)) {
      await arrive(all[Math.floor(rand() * all.length)]!);
      figures.arrivals++;
    }
    if (rand() < (options.humanChance ?? 0.1) && tryHumanCommit(bare, figures.humanCommits)) figures.humanCommits++;
    const newest = all.map((s) => s.tags.at(-1)!);
    const headBefore = head(bare);
    const moment = rand() < (options.finishChance ?? 0.2) ? undefined : MOMENTS[Math.floor(rand() * MOMENTS.length)]!;
    const delayMs = moment === undefined ? 0 : moment === 'anytime' ? rand() * typicalMs() * 1.2 : rand() * DELAY_MS[moment];
    const child = await runChild({ config, bin, compileCache }, arena, moment, delayMs);
    figures.children++;
    if (HEAL_LOG.test(child.logs)) figures.heals++;
    if (child.hung) violations.push(`child ${figures.children} hung: no exit within ${HANG_MS / 1000} s: ${tail(child.logs)}`);
    violations.push(...child.leftBehind.map((p) => `child ${figures.children} (killed at ${moment}) left ${p.name} (pid ${p.pid}) running`));
    if (child.killed) {
      figures.kills++;
      figures.killsBy[moment!]++;
      if (child.family.length > 0) figures.killsWithChildren++;
      if (head(bare) !== headBefore) figures.killsAfterLanding++;
      if (rand() < (options.tearChance ?? 0.3)) {
        const kind = tear(cache, child.startedAt, rand);
        if (kind !== undefined) figures.tears[kind] = (figures.tears[kind] ?? 0) + 1;
      }
      continue;
    }
    figures.completed++;
    const cycleMs = /"ms":(\d+),"msg":"cycle: /.exec(child.logs);
    if (cycleMs !== null) durations.push(Number(cycleMs[1]));
    if (child.code !== 0) violations.push(`child ${figures.children} ran to the end but exited ${child.code}: ${tail(child.logs)}`);
    const now = all.map((s) => slotValue(git(bare, 'show', `main:${s.file}`), s));
    for (const [i, s] of all.entries()) if (now[i] !== newest[i]) violations.push(`child ${figures.children} exited ${child.code} but ${s.repo} is at ${now[i]}, not ${newest[i]}`);
  }

  // An undisturbed cycle on the cache the last kill left: it must finish the work.
  const last = await runChild({ config, bin, compileCache }, arena, undefined, 0);
  if (last.code !== 0) violations.push(`the last, undisturbed run exited ${last.code}: ${tail(last.logs)}`);
  if (HEAL_LOG.test(last.logs)) figures.heals++;
  analyse(bare, moves, all, violations, figures);
  figures.leftovers = leftovers(cache);
  violations.push(...fsck(bare));
  violations.push(...(await strays()));
  figures.seconds = Math.round((Date.now() - started) / 1000);
  figures.medianCycleMs = Math.round(typicalMs());
  return { figures, violations };
}

interface ChildResult {
  /** Date.now() at its start: files it wrote are newer. */
  startedAt: number;
  code: number | null;
  /** Killed because it ran past HANG_MS, not by the scenario. */
  hung: boolean;
  killed: boolean;
  logs: string;
  ms: number;
  /** Processes the child had started, seen just before it was killed. */
  family: ProcessInfo[];
  /** Of those, the ones still alive a second after it was killed. */
  leftBehind: ProcessInfo[];
}

interface ChildSetup {
  config: string;
  /** Where the credential helper is. */
  bin: string;
  compileCache: string;
}

async function runChild({ config, bin, compileCache }: ChildSetup, arena: Arena, moment: Moment | undefined, delayMs: number): Promise<ChildResult> {
  const begun = performance.now();
  const startedAt = Date.now();
  const child = spawn(process.execPath, [MAIN, 'run', '--once', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NODE_COMPILE_CACHE: compileCache, LOG_LEVEL: 'info', LOG_FORMAT: 'json' } });
  let logs = '';
  child.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const drained = once(child.stderr!, 'close');
  let family: ProcessInfo[] = [];
  const kill = () => {
    // What the child started, seen just before it dies: all of it must be gone afterwards.
    family = descendants(child.pid!);
    child.kill('SIGKILL');
  };
  const watch: Watch | undefined = moment === undefined ? undefined : { moment, delayMs, begun: false, pushSeen: false, fired: false, kill };
  arena.setWatch(watch);
  // A child that hangs is a finding too, not a stalled test.
  let hung = false;
  const hang = setTimeout(() => {
    hung = true;
    kill();
  }, HANG_MS);
  const [code, signal] = await exited;
  clearTimeout(hang);
  clearTimeout(watch?.timer);
  arena.setWatch(undefined);
  await drained;
  return { startedAt, code, hung, killed: signal === 'SIGKILL' && !hung, logs, ms: performance.now() - begun, family, leftBehind: await survivors(family) };
}

/**
 * How long what a killed child started may take to end by itself (the credential helper thinks
 * for 200 ms): seconds, so that a loaded machine is not taken for a process left behind.
 */
const GONE_MS = 5_000;

async function survivors(family: readonly ProcessInfo[]): Promise<ProcessInfo[]> {
  const deadline = performance.now() + GONE_MS;
  while (performance.now() < deadline && family.some((p) => alive(p.pid))) await sleep(50);
  return family.filter((p) => alive(p.pid));
}

/** Processes of ours that outlived the run: only the registry may remain until it is stopped. */
async function strays(): Promise<string[]> {
  const deadline = performance.now() + GONE_MS;
  for (;;) {
    const left = descendants(process.pid).filter((p) => p.name !== 'docker-registry');
    if (left.length === 0) return [];
    if (performance.now() > deadline) return left.map((p) => `a process outlived the run: ${p.name} (pid ${p.pid})`);
    await sleep(50);
  }
}

/**
 * `docker-credential-crashtest`: reads the server URL, thinks for 200 ms (a keychain, a token
 * exchange) and answers; its folder goes first on the children's PATH.
 */
function credentialHelper(work: string): string {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  const path = join(bin, 'docker-credential-crashtest');
  writeFileSync(path, `#!/bin/sh\nread -r url\nsleep 0.2\nprintf '{"ServerURL":"%s","Username":"${USER.username}","Secret":"${USER.password}"}' "$url"\n`);
  chmodSync(path, 0o755);
  return bin;
}

function tryHumanCommit(bare: string, n: number): boolean {
  try {
    humanCommit(bare, { 'docs/notes.md': `# notes\n\nrevision ${n + 1}\n${'x'.repeat(64 * (n + 1))}\n` }, `Human: notes ${n + 1}`);
    return true;
  } catch {
    return false; // a killed push may still hold the ref lock for a moment
  }
}

function head(bare: string): string {
  return git(bare, 'rev-parse', 'main').trim();
}

/** Linear history; per slot each transition once and ranks only going up; no empty bot commit; the newest everywhere. */
function analyse(bare: string, movesFile: string, all: Series[], violations: string[], figures: CrashFigures): void {
  const moves = readFileSync(movesFile, 'utf8').trim().split('\n').filter(Boolean);
  figures.refMoves = moves.length;
  for (const move of moves) if (move.endsWith(' refused')) violations.push(`a non-fast-forward move was attempted: ${move}`);
  const commits = git(bare, 'log', '--reverse', '--format=%H %P|%an', 'main').trim().split('\n');
  const transitions = new Set<string>();
  let previous: string[] | undefined;
  for (const line of commits) {
    const [shas = '', author = ''] = line.split('|');
    const [sha = '', ...parents] = shas.trim().split(' ');
    if (parents.length > 1) violations.push(`a merge commit ${sha.slice(0, 12)} on the branch`);
    const values = all.map((s) => slotValue(git(bare, 'show', `${sha}:${s.file}`), s) ?? '');
    const bot = author === 'tagpilot-bot';
    if (bot) figures.botCommits++;
    let changed = false;
    for (const [k, s] of all.entries()) {
      if (previous === undefined || values[k] === previous[k]) continue;
      changed = true;
      const transition = `${s.repo} ${previous[k]} → ${values[k]}`;
      if (transitions.has(transition)) violations.push(`committed twice: ${transition} (${sha.slice(0, 12)})`);
      transitions.add(transition);
      if (s.tags.indexOf(values[k]!) < s.tags.indexOf(previous[k]!)) violations.push(`downgrade: ${transition} (${sha.slice(0, 12)})`);
    }
    if (bot && previous !== undefined && !changed) violations.push(`a bot commit that changes no slot: ${sha.slice(0, 12)}`);
    previous = values;
  }
  for (const [k, s] of all.entries()) if (previous?.[k] !== s.tags.at(-1)) violations.push(`lost: ${s.repo} ends at ${previous?.[k]}, the newest is ${s.tags.at(-1)}`);
}

function fsck(bare: string): string[] {
  const result = spawnSync('git', ['fsck', '--strict', '--no-dangling', '--no-progress'], { cwd: bare, encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`.trim();
  return result.status === 0 && output === '' ? [] : [`git fsck --strict on the server repository: exit ${result.status}: ${output}`];
}

/** Cuts one file the child wrote (modified since `since`) to a random shorter length; returns its kind. */
function tear(cache: string, since: number, rand: () => number): string | undefined {
  const written = files(cache).filter((f) => f.mtimeMs >= since && f.size > 0);
  const victim = written[Math.floor(rand() * written.length)];
  if (victim === undefined) return undefined;
  const length = Math.floor(rand() * victim.size);
  truncateSync(victim.path, length);
  return kindOf(victim.path.slice(cache.length));
}

function kindOf(path: string): string {
  if (path.startsWith('/registry/')) return 'registry cache';
  if (/\/objects\/pack\/.*\.pack$/.test(path)) return 'pack';
  if (/\/objects\/pack\/.*\.idx$/.test(path)) return 'pack index';
  if (/\/objects\/[0-9a-f]{2}\//.test(path)) return 'loose object';
  if (path.includes('/refs/')) return 'ref';
  return path.split('/').at(-1)!;
}

function files(dir: string): { path: string; size: number; mtimeMs: number }[] {
  try {
    return readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const path = join(e.parentPath, e.name);
        const info = statSync(path);
        return { path, size: info.size, mtimeMs: info.mtimeMs };
      });
  } catch {
    return [];
  }
}

/** Temp files and packs without an index: garbage a killed child left that nothing reads. */
function leftovers(cache: string): number {
  const all = files(cache).map((f) => f.path);
  const names = new Set(all);
  return all.filter((p) => p.endsWith('.tmp') || (p.endsWith('.pack') && !names.has(p.replace(/\.pack$/, '.idx')))).length;
}

function tail(logs: string): string {
  return logs.trim().split('\n').slice(-4).join('\n');
}
