/**
 * Selection speed per policy kind over 10,000 tags (releases, prereleases, build tags, junk).
 * Run: node bench/policy-select.bench.ts [--only TEXT] [--runs N] — prints one JSON object to stdout.
 * `--only` keeps the cases whose name contains TEXT (for profiling one with `--cpu-prof`).
 * Each case is timed again over the same list object (as the tag-list cache hands it to every
 * selection within its TTL: parsed forms are kept per list) and first over a fresh copy (cold).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseFilters, parsePolicy, selectTag, withFilters, type Policy, type TagInfo } from '../src/policy/index.ts';
import { random } from './random.ts';

const TAGS = 10_000;
const { values: args } = parseArgs({ options: { only: { type: 'string' }, runs: { type: 'string', default: '60' } } });
const RUNS = Number(args.runs);
const WARMUP = 20;

function makeTags(count: number): TagInfo[] {
  const next = random(42);
  const int = (n: number) => Math.floor(next() * n);
  const hex = () => int(0xffffff).toString(16).padStart(6, '0');
  const seen = new Set<string>();
  const tags: TagInfo[] = [];
  while (tags.length < count) {
    const roll = next();
    let tag: string;
    if (roll < 0.45) tag = `${next() < 0.3 ? 'v' : ''}${int(4)}.${int(30)}.${int(60)}${next() < 0.1 ? `.${int(9)}` : ''}`;
    else if (roll < 0.65) tag = `${int(4)}.${int(30)}.${int(60)}-${['rc', 'alpha.', 'beta.'][int(3)]}${int(20)}`;
    else if (roll < 0.85) tag = `main-${int(100000)}-${hex()}`;
    else tag = ['latest', 'stable', `pr-${int(5000)}`, `2026-0${1 + int(9)}-1${int(9)}`, `sha-${hex()}${hex()}`][int(5)] ?? 'x';
    if (seen.has(tag)) continue;
    seen.add(tag);
    tags.push({
      tag,
      created: new Date(Date.UTC(2025, 0, 1) + int(365 * 86_400_000)),
      digest: `sha256:${hex().repeat(10)}abcd`,
      platforms: next() < 0.8 ? ['linux/amd64', 'linux/arm64/v8'] : ['linux/amd64'],
    });
  }
  return tags;
}

/** Tags as real images publish them: variants, floating precisions, build counters, dates, hashes. */
function makeVariantTags(count: number): TagInfo[] {
  const next = random(7);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const variants = ['', '', '', 'alpine', 'alpine3.19', 'alpine3.20', 'slim-bookworm', 'bookworm', 'debian-12', 'windowsservercore-ltsc2022'];
  const seen = new Set<string>();
  const tags: TagInfo[] = [];
  while (tags.length < count) {
    const roll = next();
    let tag: string;
    if (roll < 0.8) {
      const core = [int(4), int(30), int(60)].slice(0, 1 + int(3)).join('.');
      const pre = next() < 0.1 ? `-rc.${int(5)}` : '';
      const variant = pick(variants);
      const counter = next() < 0.2 ? `-ls${int(300)}` : next() < 0.1 ? `-r${int(9)}` : '';
      tag = `${core}${pre}${variant === '' ? '' : `-${variant}`}${counter}`;
    } else if (roll < 0.9) tag = `${int(9)}${int(0xfffffff).toString(16).padStart(7, '0')}`;
    else tag = pick(['latest', 'alpine', 'stable', `2026${String(1 + int(12)).padStart(2, '0')}${String(1 + int(28)).padStart(2, '0')}`, `${int(9000)}`]);
    if (seen.has(tag)) continue;
    seen.add(tag);
    tags.push({ tag, created: new Date(Date.UTC(2025, 0, 1) + int(365 * 86_400_000)) });
  }
  return tags;
}

/** Policies over the variant mix; an option a build does not know is reported, not measured. */
const VARIANT_POLICIES: [string, string, string | undefined][] = [
  ['semver:^1 (current 1.2.3-alpine)', 'semver:^1', '1.2.3-alpine'],
  ['semver:* (new slot)', 'semver:*', undefined],
  ['minor (current 1.2.3-ls100)', 'minor', '1.2.3-ls100'],
  ['major (current 1.2)', 'major', '1.2'],
  ['minor variant=any (current 1.2.3-alpine)', 'minor variant=any', '1.2.3-alpine'],
  ['minor variant=alpine3\\.\\d+ precision=any', 'minor variant=alpine3\\.\\d+ precision=any', '1.2.3-alpine3.19'],
];

const POLICIES: [string, Policy, string | undefined][] = [
  ['semver:^1', parsePolicy('semver:^1'), '1.0.0'],
  ['semver:>=1.0.0-0', parsePolicy('semver:>=1.0.0-0'), undefined],
  ['glob:main-* (build time)', parsePolicy('glob:main-*'), undefined],
  ['regexp:^main- (build time)', parsePolicy('regexp:^main-'), undefined],
  ['regexp:^main-(?<n>\\d+)- (capture)', parsePolicy('regexp:^main-(?<n>\\d+)-'), undefined],
  ['alphabetical', parsePolicy('alphabetical'), undefined],
  ['numerical:^main-(?<n>\\d+)-', parsePolicy('numerical:^main-(?<n>\\d+)-'), undefined],
  ['major', parsePolicy('major'), '1.2.3'],
  ['minor', parsePolicy('minor'), '1.2.3'],
  ['patch', parsePolicy('patch'), '1.2.3'],
  ['all', parsePolicy('all'), '1.2.3'],
  ['digest:stable', parsePolicy('digest:stable'), 'stable'],
  ['regexp:^sha-[0-9a-f]{12}$ (build time)', parsePolicy('regexp:^sha-[0-9a-f]{12}$'), undefined],
  ['regexp:^sha-(?:[0-9a-f]|[0-9a-f])*$ (overlapping alternation)', parsePolicy('regexp:^sha-(?:[0-9a-f]|[0-9a-f])*$'), undefined],
  ['alphabetical:desc:^(?<order>\\d{4}-\\d{2}-\\d{2})$', parsePolicy('alphabetical:desc:^(?<order>\\d{4}-\\d{2}-\\d{2})$'), undefined],
  ['glob:* + ignore regexp:^(?:main|pr)-', withFilters(parsePolicy('glob:*'), parseFilters({ ignore: 'regexp:^(?:main|pr)-' })), undefined],
  ['semver:* + ignore, min-age, platforms', withFilters(parsePolicy('semver:*'), parseFilters({ ignore: '*-rc*,0.*', minAge: '7d', platforms: 'linux/arm64' })), undefined],
];

interface Timing {
  ms: number;
  minMs: number;
  cpuMs: number;
  minCpuMs: number;
}

interface Measured {
  /** Again over the same list object, as every slot, policy and automation sees it within the tag-list TTL. */
  warm: Timing;
  /** The first selection over a list (a fresh copy each run): every tag read for the first time. */
  cold: Timing;
  selected: string | null;
}

/**
 * Wall time and CPU time (user + system of the whole process, so GC threads count) per run, warm
 * and cold runs interleaved. On a shared machine a run is often preempted: the CPU figures are the
 * ones to compare.
 */
function measure(policy: Policy, tags: TagInfo[], current: string | undefined): Measured {
  const options = { now: new Date(Date.UTC(2026, 0, 1)) };
  const slot = current === undefined ? {} : { tag: current };
  let selected: string | null = null;
  for (let i = 0; i < WARMUP; i++) selected = selectTag(policy, i % 2 === 0 ? tags : tags.slice(), slot, options).selected;
  const runs = { warm: { wall: [] as number[], cpu: [] as number[] }, cold: { wall: [] as number[], cpu: [] as number[] } };
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ['warm', 'cold'] as const) {
      const list = kind === 'warm' ? tags : tags.slice();
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      selectTag(policy, list, slot, options);
      runs[kind].wall.push(performance.now() - start);
      const used = process.cpuUsage(cpuStart);
      runs[kind].cpu.push((used.user + used.system) / 1000);
    }
  }
  return { warm: timing(runs.warm.wall, runs.warm.cpu), cold: timing(runs.cold.wall, runs.cold.cpu), selected };
}

function timing(wall: number[], cpu: number[]): Timing {
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return { ms: median(wall), minMs: wall[0] ?? NaN, cpuMs: median(cpu), minCpuMs: cpu[0] ?? NaN };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const figures = (t: Timing) => ({ msPerSelection: round(t.ms), minMs: round(t.minMs), cpuMs: round(t.cpuMs), minCpuMs: round(t.minCpuMs) });
const report = (policy: string, count: number, m: Measured) => ({ policy, tags: count, ...figures(m.warm), cold: figures(m.cold), selected: m.selected });
const loadBefore = loadavg()[0];
const tags = makeTags(TAGS);
const chosen = <T extends [string, ...unknown[]]>(cases: T[]): T[] => cases.filter(([name]) => args.only === undefined || name.includes(args.only));
const results = chosen(POLICIES).map(([name, policy, current]) => {
  return report(name, tags.length, measure(policy, tags, current));
});
const variantTags = makeVariantTags(TAGS);
const variantResults = chosen(VARIANT_POLICIES).map(([name, text, current]) => {
  let policy: Policy;
  try {
    policy = parsePolicy(text);
  } catch (error) {
    return { policy: name, tags: variantTags.length, error: (error as Error).message };
  }
  return report(name, variantTags.length, measure(policy, variantTags, current));
});
const load = [loadBefore, loadavg()[0]].map((x) => Math.round((x ?? 0) * 10) / 10);
const statistic = 'per selection: median (msPerSelection) and fastest (minMs) wall time, median (cpuMs) and fastest (minCpuMs) CPU time of the runs, again over the same list (top level) and first over a fresh copy of it (cold)';
process.stdout.write(`${JSON.stringify({ name: 'policy-select', statistic, runs: RUNS, node: process.version, load, results, variantResults })}\n`);
