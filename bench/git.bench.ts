/**
 * `node bench/git.bench.ts`: tagpilot's git layer against the git CLI doing the same work, in the
 * same run, over the same smart-HTTP server (git http-backend on 127.0.0.1).
 *
 * Repository: 5,000 YAML files (~1.5 KB), 200 commits, generated with git fast-import.
 * - first clone: shallow, single branch, no checkout (ours: GitRepo.sync; git: clone --depth 1
 *   --single-branch --no-checkout).
 * - steady-state cycle: a human commit lands, then fetch, read 100 files, edit their tags, commit
 *   without a working tree, push (ours: sync/listFiles+readBlob/commit/push incl. the read-back; git:
 *   fetch, cat-file, hash-object, update-index on a temporary index, write-tree, commit-tree, push).
 * Both over smart HTTP and over SSH (ours through ssh2, git through OpenSSH, to a real sshd).
 * Prints one JSON object: both figures (median ms) and the ratios ours / git.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepo } from '../src/git/repo.ts';
import { fetchPack } from '../src/git/fetch-pack.ts';
import { ObjectReader } from '../src/git/object-reader.ts';
import { HttpTransport } from '../src/git/http-transport.ts';
import { startGitServer } from '../test/harness/git-server.ts';
import { git, humanCommit } from '../test/harness/git-repos.ts';
import { BENCH_SHAPE, bigRepoPath, createBigRepo } from '../test/harness/big-repo.ts';
import { generateKey, startSshd } from '../test/harness/sshd.ts';
import type { GitRemote } from '../src/git/remote.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 7);
const EDITS = 100;
const BOT = { name: 'tagpilot-bot', email: 'bot@example.com' };

let counter = 0;
const server = await startGitServer();
const work = mkdtempSync(join(tmpdir(), 'tagpilot-bench-'));
try {
  const generated = time(() => createBigRepo(server.root, 'fleet'));
  const bare = join(server.root, 'fleet.git');
  const url = server.repoUrl('fleet');

  const http = await measure(url, { url, branch: 'main' }, {});

  // The same over SSH: ours through ssh2, git through OpenSSH's client, to a real sshd.
  const key = generateKey('ed25519');
  const sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  let ssh: Awaited<ReturnType<typeof measure>>;
  try {
    writeFileSync(join(work, 'id'), key.privateKey, { mode: 0o600 });
    writeFileSync(join(work, 'known_hosts'), sshd.knownHosts);
    const sshEnv = { GIT_SSH_COMMAND: `ssh -i ${join(work, 'id')} -o IdentitiesOnly=yes -o UserKnownHostsFile=${join(work, 'known_hosts')} -o StrictHostKeyChecking=yes -o BatchMode=yes` };
    ssh = await measure(sshd.url(bare), { url: sshd.url(bare), branch: 'main', ssh: { privateKey: key.privateKey, knownHosts: sshd.knownHosts } }, sshEnv);
  } finally {
    await sshd.stop();
  }

  // The claim behind the incremental fetch: after one new commit, what a plain fetch into a
  // shallow clone downloads versus re-fetching at depth 1. Fresh clients, all at the same head.
  const fresh = GitRepo.forRemote(mkdtempSync(join(work, 'fresh-')), { url, branch: 'main' });
  await fresh.sync();
  const refetchDir = mkdtempSync(join(work, 'refetch-'));
  const refetched = GitRepo.forRemote(refetchDir, { url, branch: 'main' });
  const before = await refetched.sync();
  const [plainCli, depthCli] = [join(work, 'plain'), join(work, 'depth')];
  for (const dir of [plainCli, depthCli]) await run(work, ['clone', '-q', '--depth', '1', '--single-branch', '--branch', 'main', '--no-checkout', url, dir]);
  humanCommit(bare, { [bigRepoPath(4_999)]: '# one more\n' }, 'Human last');
  const fetchOneCommitBytes = {
    ours: await fetchBytes(() => fresh.sync()),
    oursDepthOneRefetch: await fetchBytes(() => depthOneRefetch(refetchDir, url, before)),
    gitPlainFetch: await fetchBytes(() => run(plainCli, ['fetch', '-q', 'origin', 'main'])),
    gitDepthOneRefetch: await fetchBytes(() => run(depthCli, ['fetch', '-q', '--depth', '1', 'origin', 'main'])),
  };

  const result = {
    repo: { ...BENCH_SHAPE, packBytes: Number(/size-pack: (\d+)/.exec(git(bare, 'count-objects', '-v'))?.[1] ?? 0) * 1024, generateMs: Math.round(generated) },
    firstClone: http.firstClone,
    steadyState: http.steadyState,
    ssh: { firstClone: ssh.firstClone, steadyState: ssh.steadyState },
    fetchOneCommitBytes,
    targets: { steadyState: 1.5, firstClone: 3 },
  };
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}

/** First clone and steady-state cycle, ours and git's, against one remote URL. */
async function measure(url: string, remote: GitRemote, cliEnv: Record<string, string>) {
  const bare = join(server.root, 'fleet.git');
  const paths = Array.from({ length: EDITS }, (_, k) => bigRepoPath(k * 37));
  // First clone, each into a fresh directory.
  const cloneOurs: number[] = [];
  const cloneGit: number[] = [];
  let ours: GitRepo | undefined;
  let cli = '';
  for (let i = 0; i < 3; i++) {
    const repo = GitRepo.forRemote(mkdtempSync(join(work, 'ours-')), remote);
    cloneOurs.push(await timeAsync(() => repo.sync()));
    const dir = join(mkdtempSync(join(work, 'git-')), 'clone');
    cloneGit.push(await timeAsync(() => run(work, ['clone', '-q', '--depth', '1', '--single-branch', '--branch', 'main', '--no-checkout', url, dir], { env: cliEnv })));
    ours = repo;
    cli = dir;
  }
  // Steady state: a human commit, then each client's cycle; interleaved so both see the same load.
  const cycleOurs: number[] = [];
  const cycleGit: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    humanCommit(bare, { [bigRepoPath(4_000 + i)]: `# human edit ${counter}.${i}\n` }, `Human ${i}`);
    cycleOurs.push(await timeAsync(() => oursCycle(ours!, paths, `2.${counter}.${i}`)));
    humanCommit(bare, { [bigRepoPath(4_500 + i)]: `# human edit ${counter}.${i}\n` }, `Human b${i}`);
    cycleGit.push(await timeAsync(() => gitCycle(cli, paths, `3.${counter}.${i}`, cliEnv)));
  }
  counter++;
  await ours?.close();
  return {
    firstClone: { oursMs: Math.round(median(cloneOurs)), gitMs: Math.round(median(cloneGit)), ratio: round(median(cloneOurs) / median(cloneGit)), runs: 3 },
    steadyState: { oursMs: Math.round(median(cycleOurs)), gitMs: Math.round(median(cycleGit)), ratio: round(median(cycleOurs) / median(cycleGit)), edits: EDITS, runs: ITERATIONS, oursAllMs: cycleOurs.map(Math.round), gitAllMs: cycleGit.map(Math.round) },
  };
}

function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

async function oursCycle(repo: GitRepo, paths: string[], tag: string): Promise<void> {
  const head = await repo.sync();
  const wanted = new Set(paths);
  const { files } = await repo.listFiles(head, paths, (p) => wanted.has(p));
  const changes = new Map<string, Uint8Array>();
  for (const file of files) changes.set(file.path, new TextEncoder().encode(retag(new TextDecoder().decode(await repo.readBlob(file, 1024 * 1024)), tag)));
  const commit = await repo.commit(head, changes, `tagpilot: ${EDITS} images\n`, BOT);
  await repo.push(commit);
}

async function gitCycle(dir: string, paths: string[], tag: string, cliEnv: Record<string, string>): Promise<void> {
  await run(dir, ['fetch', '-q', 'origin', 'main'], { env: cliEnv });
  const head = (await run(dir, ['rev-parse', 'FETCH_HEAD'])).toString().trim();
  const env = { GIT_INDEX_FILE: join(dir, 'bench-index') };
  await run(dir, ['read-tree', head], { env });
  const texts = splitBatch(await run(dir, ['cat-file', '--batch'], { input: paths.map((p) => `${head}:${p}\n`).join('') }));
  const edited = join(dir, 'bench-edits');
  rmSync(edited, { recursive: true, force: true });
  mkdirSync(edited);
  const files = paths.map((_path, i) => {
    const file = join(edited, String(i));
    writeFileSync(file, retag(texts[i]!, tag));
    return file;
  });
  const oids = (await run(dir, ['hash-object', '-w', '--stdin-paths'], { input: files.join('\n') + '\n' })).toString().trim().split('\n');
  await run(dir, ['update-index', '--index-info'], { env, input: paths.map((p, i) => `100644 ${oids[i]}\t${p}\n`).join('') });
  const tree = (await run(dir, ['write-tree'], { env })).toString().trim();
  const commit = (await run(dir, ['commit-tree', tree, '-p', head, '-m', `git: ${EDITS} images`])).toString().trim();
  await run(dir, ['push', '-q', 'origin', `${commit}:refs/heads/main`], { env: cliEnv });
}

/** What re-fetching at depth 1 into our clone would download (the approach we do not take). */
async function depthOneRefetch(cacheDir: string, url: string, have: string): Promise<void> {
  const [key] = readdirSync(join(cacheDir, 'git'));
  const transport = new HttpTransport(new URL(url));
  const session = transport.open();
  const gitdir = join(cacheDir, 'git', key!, '.git');
  const reader = new ObjectReader(gitdir);
  await fetchPack(session, { gitdir, url, ref: 'refs/heads/main', depth: 1, haves: [have], description: url, reader });
  await reader.close();
  await transport.dispose();
}

function retag(text: string, tag: string): string {
  return text.replace(/(image: \S+:)\S+/, `$1${tag}`);
}

/** Splits `git cat-file --batch` output into the objects' contents. */
function splitBatch(output: Buffer): string[] {
  const texts: string[] = [];
  let at = 0;
  while (at < output.length) {
    const eol = output.indexOf(10, at);
    const size = Number(output.subarray(at, eol).toString().split(' ')[2]);
    texts.push(output.subarray(eol + 1, eol + 1 + size).toString());
    at = eol + 1 + size + 1;
  }
  return texts;
}

/** Runs the git CLI without blocking the event loop: the git server lives in this process. */
function run(cwd: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', ...args], { cwd, env: { ...process.env, ...options.env }, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`git ${args[0]} exited with ${code}`))));
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

async function fetchBytes(action: () => Promise<unknown>): Promise<number> {
  const start = server.exchanges.length;
  await action();
  return server.exchanges
    .slice(start)
    .filter((e) => e.method === 'POST' && e.url.endsWith('git-upload-pack'))
    .reduce((n, e) => n + e.responseBytes, 0);
}

function time(action: () => unknown): number {
  const started = performance.now();
  action();
  return performance.now() - started;
}

async function timeAsync(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
