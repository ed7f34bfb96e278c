/**
 * Start-up cost of the CLI: wall time and peak RSS of short invocations, each in a fresh process,
 * against bare Node. Runs the sources (`node src/cli/main.ts`) and, when `dist/` is built, the
 * installed entry (`node bin/tagpilot.js`).
 * Run: node bench/startup.bench.ts [runs] — prints one JSON object: per case the medians of wall
 * time and CPU time (ms) and of peak RSS (MiB).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.argv[2] ?? 15);
const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tagpilot-startup-'));
const tags = join(work, 'tags.txt');
writeFileSync(tags, ['1.0.0', '1.1.0', '1.2.0', '2.0.0', 'latest'].join('\n'));
const rssFile = join(work, 'rss');
// Loaded before the program: on exit it records the process's own peak RSS (KiB) and CPU time (µs).
const probe = `data:text/javascript,${encodeURIComponent("process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(process.env.RSS_FILE, JSON.stringify(process.resourceUsage())))")}`;

interface Case {
  name: string;
  args: string[];
}

const CLI_CASES: Case[] = [
  { name: '--help', args: ['--help'] },
  { name: 'policy test', args: ['policy', 'test', 'semver:^1', '--current', '1.0.0', '--tags-from', tags] },
  { name: 'plan --help', args: ['plan', '--help'] },
];

interface Sample {
  /** Wall time from spawn to exit. */
  ms: number;
  /** User + system CPU time: steadier than wall time on a loaded machine. */
  cpuMs: number;
  rssMiB: number;
}

function measure(args: string[]): Sample {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', probe, ...args], { cwd: root, stdio: 'ignore', env: { ...process.env, RSS_FILE: rssFile } });
  const ms = performance.now() - started;
  if (result.error !== undefined) throw result.error;
  const usage = JSON.parse(readFileSync(rssFile, 'utf8')) as NodeJS.ResourceUsage;
  return { ms, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, rssMiB: usage.maxRSS / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function bench(args: string[]): Sample {
  measure(args); // warm the file cache
  const runs = Array.from({ length: RUNS }, () => measure(args));
  const mid = (key: keyof Sample) => round(median(runs.map((r) => r[key])));
  return { ms: mid('ms'), cpuMs: mid('cpuMs'), rssMiB: mid('rssMiB') };
}

const round = (n: number) => Math.round(n * 10) / 10;

const entries: [string, string][] = [['src', 'src/cli/main.ts']];
if (existsSync(join(root, 'dist/cli/main.js'))) entries.push(['dist', 'bin/tagpilot.js']);

const results: Record<string, Sample> = { 'bare node': bench(['-e', '']) };
for (const [label, entry] of entries) {
  for (const c of CLI_CASES) results[`${label}: ${c.name}`] = bench([entry, ...c.args]);
}
rmSync(work, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ bench: 'startup', runs: RUNS, node: process.version, results }, null, 2)}\n`);
