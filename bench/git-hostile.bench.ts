/**
 * `node bench/git-hostile.bench.ts`: what a malicious Git server's packs cost the client: time and
 * peak RSS of indexing a reverse ref-delta chain and inflate bombs, and of reading an endless ref
 * advertisement. Each pack is built first and written to a file; each case then runs in its own
 * process, so its time and peak RSS are the client's alone.
 *
 * - chain-4095 / chain-20000: that many ref-deltas over one 64-byte blob, every delta before its
 *   base (what makes resolution in passes quadratic). 4,095 is the deepest chain git writes.
 * - chain-20000-unbounded: the same with the depth limit lifted, to show resolution is linear.
 * - bomb-many: 80 blobs of 15 MiB of zeros, about 1.2 GB from a 1.2 MB pack.
 * - bomb-one: one blob of 1.2 GB of zeros, declared as such.
 * - advertisement: an endless ref advertisement, read through `GitRepo.sync`.
 * Prints one JSON object: per case the outcome (objects stored, or the error's code), ms, peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storePack } from '../src/git/index-pack.ts';
import { DEFAULT_GIT_LIMITS } from '../src/git/limits.ts';
import { GitRepo } from '../src/git/repo.ts';
import { buildPack, reverseRefDeltaChain, zeroBlob } from '../test/harness/hostile-packs.ts';
import { endlessAdvertisement, startHostileGitServer } from '../test/harness/hostile-git-server.ts';

const PACKS: Record<string, () => Promise<Buffer>> = {
  'chain-4095': async () => buildPack(reverseRefDeltaChain(4_095).entries),
  'chain-20000': async () => buildPack(reverseRefDeltaChain(20_000).entries),
  'chain-20000-unbounded': async () => buildPack(reverseRefDeltaChain(20_000).entries),
  'bomb-many': async () => buildPack(await Promise.all(Array.from({ length: 80 }, (_, i) => zeroBlob(15 * 2 ** 20 + i)))),
  'bomb-one': async () => buildPack([await zeroBlob(1_200 * 2 ** 20)]),
};
const LIMITS: Record<string, object> = { 'chain-20000-unbounded': { ...DEFAULT_GIT_LIMITS, deltaDepth: 1_000_000 } };

const [which, file] = process.argv.slice(2);
if (which === undefined) {
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-hostile-bench-'));
  try {
    const results: Record<string, unknown> = {};
    for (const name of [...Object.keys(PACKS), 'advertisement']) {
      process.stderr.write(`  ${name}\n`);
      const path = join(work, `${name}.pack`);
      if (name in PACKS) writeFileSync(path, await PACKS[name]!());
      results[name] = JSON.parse(execFileSync(process.execPath, [import.meta.filename, name, path], { stdio: ['ignore', 'pipe', 'inherit'] }).toString());
      rmSync(path, { force: true });
    }
    process.stdout.write(JSON.stringify(results) + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
} else {
  const pack = which === 'advertisement' ? undefined : readFileSync(file!);
  const started = performance.now();
  let outcome: string;
  try {
    outcome = pack === undefined ? await readEndlessAdvertisement() : await indexPack(pack, LIMITS[which]);
  } catch (error) {
    outcome = `refused: ${(error as { code?: string }).code ?? (error as Error).name}: ${(error as Error).message.slice(0, 160)}`;
  }
  const ms = Math.round(performance.now() - started);
  process.stdout.write(JSON.stringify({ outcome, ms, peakRssMiB: peakRssMiB() }) + '\n');
}

/** This process's own peak (getrusage's maxRSS would include the parent's, inherited over exec). */
function peakRssMiB(): number {
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  return Math.round(kib / 1024);
}

async function indexPack(pack: Buffer, limits?: object): Promise<string> {
  const gitdir = mkdtempSync(join(tmpdir(), 'tagpilot-hostile-'));
  try {
    mkdirSync(join(gitdir, 'objects', 'pack'), { recursive: true });
    return `stored ${await storePack(gitdir, pack, async () => undefined, limits as never)} objects (pack ${pack.length} B)`;
  } finally {
    rmSync(gitdir, { recursive: true, force: true });
  }
}

async function readEndlessAdvertisement(): Promise<string> {
  const server = await startHostileGitServer({ advertisement: endlessAdvertisement('a'.repeat(40)) });
  const cache = mkdtempSync(join(tmpdir(), 'tagpilot-hostile-'));
  const repo = GitRepo.forRemote(cache, { url: server.url, branch: 'main', timeouts: { connectMs: 5_000, idleMs: 5_000 } });
  // Before advertisements were bounded this never ended: stop it after 20 s either way.
  const timer = setTimeout(() => void server.stop(), 20_000);
  try {
    await repo.sync();
    return 'synced';
  } catch (error) {
    throw Object.assign(error as Error, { message: `${(error as Error).message} (after ${server.sent()} B sent)` });
  } finally {
    clearTimeout(timer);
    await repo.close();
    await server.stop();
    rmSync(cache, { recursive: true, force: true });
  }
}
