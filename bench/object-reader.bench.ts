/**
 * `node bench/object-reader.bench.ts`: the CPU time (user + system) of reading every object of a
 * real shallow clone through a fresh ObjectReader (each object's header, then the object, as a
 * listing and the file reads do), the reader's own cost without the rest of a cycle.
 *
 *   node bench/object-reader.bench.ts [--files 5000] [--rounds 7] [--builds before=/path/to/checkout,after=.]
 *
 * Repository: the git bench's (test/harness/big-repo.ts), `--files` YAML files; the clone is
 * GitRepo's, over git http-backend. With --builds, each round reads with every build's reader in
 * turn (each checkout's src/git/object-reader.ts, on the same clone, after one pass each not
 * counted), so a shared machine's load falls on all of them alike. Prints one JSON object: per
 * build the median and range of CPU ms per pass and, against the first build, the median of the
 * round-by-round differences; the load average before and after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GitRepo } from '../src/git/repo.ts';
import type { ObjectReader } from '../src/git/object-reader.ts';
import { BENCH_SHAPE, createBigRepo } from '../test/harness/big-repo.ts';
import { startGitServer } from '../test/harness/git-server.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: String(BENCH_SHAPE.files) },
    rounds: { type: 'string', default: '7' },
    builds: { type: 'string', default: 'after=.' },
  },
});

type Reader = Pick<ObjectReader, 'header' | 'read' | 'close'>;
type ReaderModule = { ObjectReader: new (gitdir: string) => Reader };

const builds = await Promise.all(
  values.builds.split(',').map(async (spec) => {
    const [name, path] = spec.split('=') as [string, string];
    const module = (await import(join(resolve(path), 'src/git/object-reader.ts'))) as ReaderModule;
    return { name, module };
  }),
);

const server = await startGitServer();
const work = mkdtempSync(join(tmpdir(), 'tagpilot-bench-reader-'));
try {
  createBigRepo(server.root, 'fleet', { ...BENCH_SHAPE, files: Number(values.files), commits: 2 });
  const cache = join(work, 'cache');
  await GitRepo.forRemote(cache, { url: server.repoUrl('fleet'), branch: 'main' }).sync();
  const gitdir = join(cache, 'git', readdirSync(join(cache, 'git'))[0]!, '.git');
  const oids = execFileSync('git', ['--git-dir', gitdir, 'rev-list', '--objects', 'HEAD'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((oid) => oid !== '');

  const loadBefore = loadavg();
  const cpu: Record<string, number[]> = Object.fromEntries(builds.map((b) => [b.name, []]));
  // One round not counted (each build's code is compiled on its first pass), then the builds in
  // turn, in alternating order so neither always runs right after the other.
  for (const { module } of builds) await pass(new module.ObjectReader(gitdir), oids);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const { name, module } of round % 2 === 0 ? builds : [...builds].reverse()) cpu[name]!.push(await pass(new module.ObjectReader(gitdir), oids));
  }
  const result = {
    bench: 'object-reader',
    objects: oids.length,
    rounds: Number(values.rounds),
    load: { before: loadBefore.map(round2), after: loadavg().map(round2) },
    builds: Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, { cpuMsMedian: round2(median(ms)), cpuMsRange: [round2(Math.min(...ms)), round2(Math.max(...ms))], cpuMs: ms.map(round2), ...againstFirst(ms, Object.values(cpu)[0]!) }])),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}

/** CPU ms (user + system) of one fresh reader reading every object once. */
async function pass(reader: Reader, oids: readonly string[]): Promise<number> {
  const start = process.cpuUsage();
  for (const oid of oids) {
    await reader.header(oid);
    await reader.read(oid, 1 << 20);
  }
  const used = process.cpuUsage(start);
  await reader.close();
  return (used.user + used.system) / 1000;
}

/** The median of this build's CPU minus the first build's, round by round (the same load on both). */
function againstFirst(ms: readonly number[], first: readonly number[]): { cpuMsVsFirstMedian?: number } {
  if (ms === first) return {};
  return { cpuMsVsFirstMedian: round2(median(ms.map((x, i) => x - first[i]!))) };
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
