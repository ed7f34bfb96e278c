/**
 * `node bench/git-hostile.bench.ts`: what a malicious Git server's packs cost the client: time and
 * peak RSS of indexing a reverse ref-delta chain and inflate bombs, and of reading an endless ref
 * advertisement. Each case runs in its own process, so its peak RSS is its own.
 *
 * - chain-4095 / chain-20000: `length` ref-deltas over one 64-byte blob, every delta before its
 *   base (what makes resolution in passes quadratic). 4,095 is the deepest chain git writes.
 * - chain-20000-unbounded: the same with the depth limit lifted, to show resolution is linear.
 * - bomb-many: 40 blobs of 30 MiB of zeros, about 1.2 GB from a 1.2 MB pack.
 * - bomb-one: one blob of 1.2 GB of zeros, declared as such.
 * - advertisement: an endless ref advertisement, read through `GitRepo.sync`.
 * Prints one JSON object: per case the outcome (objects stored, or the error's code), ms, peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storePack } from '../src/git/index-pack.ts';
import { GitRepo } from '../src/git/repo.ts';
import { buildPack, reverseRefDeltaChain, zeroBlob } from '../test/harness/hostile-packs.ts';
import { endlessAdvertisement, startHostileGitServer } from '../test/harness/hostile-git-server.ts';

const CASES: Record<string, () => Promise<string>> = {
  'chain-4095': () => indexPack(buildPack(reverseRefDeltaChain(4_095).entries)),
  'chain-20000': () => indexPack(buildPack(reverseRefDeltaChain(20_000).entries)),
  'chain-20000-unbounded': () => indexPack(buildPack(reverseRefDeltaChain(20_000).entries), { maxDeltaDepth: 1_000_000 }),
  'bomb-many': async () => indexPack(buildPack(await Promise.all(Array.from({ length: 40 }, (_, i) => zeroBlob(30 * 2 ** 20 + i))))),
  'bomb-one': async () => indexPack(buildPack([await zeroBlob(1_200 * 2 ** 20)])),
  advertisement: readEndlessAdvertisement,
};

const which = process.argv[2];
if (which === undefined) {
  const results: Record<string, unknown> = {};
  for (const name of Object.keys(CASES)) {
    process.stderr.write(`  ${name}\n`);
    results[name] = JSON.parse(execFileSync(process.execPath, [import.meta.filename, name], { stdio: ['ignore', 'pipe', 'inherit'] }).toString());
  }
  process.stdout.write(JSON.stringify(results) + '\n');
} else {
  const started = performance.now();
  let outcome: string;
  try {
    outcome = await CASES[which]!();
  } catch (error) {
    outcome = `refused: ${(error as { code?: string }).code ?? (error as Error).name}: ${(error as Error).message.slice(0, 160)}`;
  }
  const ms = Math.round(performance.now() - started);
  process.stdout.write(JSON.stringify({ outcome, ms, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
}

async function indexPack(pack: Buffer, limits?: object): Promise<string> {
  const gitdir = mkdtempSync(join(tmpdir(), 'tagpilot-hostile-'));
  try {
    mkdirSync(join(gitdir, 'objects', 'pack'), { recursive: true });
    // The limits argument is ignored by versions of storePack that have none.
    const store = storePack as (...args: unknown[]) => Promise<number>;
    return `stored ${await store(gitdir, pack, async () => undefined, limits)} objects (pack ${pack.length} B)`;
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
