/**
 * Selection speed per policy kind over 10,000 tags (releases, prereleases, build tags, junk).
 * Run: node bench/policy-select.bench.ts [--only TEXT] [--runs N] [--before DIR] — prints one JSON object to stdout.
 * `--only` keeps the cases whose name contains TEXT (for profiling one with `--cpu-prof`).
 * Each case is timed again over the same list object (as the tag-list cache hands it to every
 * selection within its TTL: parsed forms are kept per list) and first over a fresh copy (cold).
 * `--before DIR` times another checkout's engine (main, say) in the same runs, interleaved, both
 * ways (`before`, `before.cold`).
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as engine from '../src/policy/index.ts';
import type { FilterTexts, Policy, TagInfo } from '../src/policy/index.ts';
import { random } from './random.ts';

const TAGS = 10_000;
const { values: args } = parseArgs({ options: { only: { type: 'string' }, runs: { type: 'string', default: '60' }, before: { type: 'string' } } });
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

/** Name, policy text, filters, current tag. */
const POLICIES: [string, string, FilterTexts | undefined, string | undefined][] = [
  ['semver:^1', 'semver:^1', undefined, '1.0.0'],
  ['semver:>=1.0.0-0', 'semver:>=1.0.0-0', undefined, undefined],
  ['glob:main-* (build time)', 'glob:main-*', undefined, undefined],
  ['regexp:^main- (build time)', 'regexp:^main-', undefined, undefined],
  ['regexp:^main-(?<n>\\d+)- (capture)', 'regexp:^main-(?<n>\\d+)-', undefined, undefined],
  ['alphabetical', 'alphabetical', undefined, undefined],
  ['numerical:^main-(?<n>\\d+)-', 'numerical:^main-(?<n>\\d+)-', undefined, undefined],
  ['major', 'major', undefined, '1.2.3'],
  ['minor', 'minor', undefined, '1.2.3'],
  ['patch', 'patch', undefined, '1.2.3'],
  ['all', 'all', undefined, '1.2.3'],
  ['digest:stable', 'digest:stable', undefined, 'stable'],
  ['regexp:^sha-[0-9a-f]{12}$ (build time)', 'regexp:^sha-[0-9a-f]{12}$', undefined, undefined],
  ['regexp:^sha-(?:[0-9a-f]|[0-9a-f])*$ (overlapping alternation)', 'regexp:^sha-(?:[0-9a-f]|[0-9a-f])*$', undefined, undefined],
  ['alphabetical:desc:^(?<order>\\d{4}-\\d{2}-\\d{2})$', 'alphabetical:desc:^(?<order>\\d{4}-\\d{2}-\\d{2})$', undefined, undefined],
  ['glob:* + ignore regexp:^(?:main|pr)-', 'glob:*', { ignore: 'regexp:^(?:main|pr)-' }, undefined],
  ['semver:* + ignore, min-age, platforms', 'semver:*', { ignore: '*-rc*,0.*', minAge: '7d', platforms: 'linux/arm64' }, undefined],
];

interface Timing {
  ms: number;
  minMs: number;
  cpuMs: number;
  minCpuMs: number;
}

/** The engine of a build: this checkout's, or the one `--before DIR` names. */
type Engine = Pick<typeof engine, 'parsePolicy' | 'parseFilters' | 'withFilters' | 'selectTag'>;

/** `--before DIR`: another checkout's engine (main, say), timed in the same runs, interleaved. */
const before: Engine | undefined = args.before === undefined ? undefined : ((await import(`${resolve(args.before)}/src/policy/index.ts`)) as Engine);

interface Measured {
  /** Again over the same list object, as every slot, policy and automation sees it within the tag-list TTL. */
  warm: Timing;
  /** The first selection over a list (a fresh copy each run): every tag read for the first time. */
  cold: Timing;
  /** The `--before` build over the same list, in the same runs. */
  before?: Timing;
  /** The `--before` build first over a fresh copy, in the same runs. */
  beforeCold?: Timing;
  selected: string | null;
  beforeSelected?: string | null;
}

function policyOf(build: Engine, text: string, filters: FilterTexts | undefined): Policy {
  const policy = build.parsePolicy(text);
  return filters === undefined ? policy : build.withFilters(policy, build.parseFilters(filters));
}

type Kind = 'warm' | 'cold' | 'before' | 'beforeCold';

/**
 * Wall time and CPU time (user + system of the whole process, so GC threads count) per run; the
 * warm, cold and before runs interleaved, so the load of a shared machine falls on all alike. On a
 * shared machine a run is often preempted: the CPU figures are the ones to compare.
 */
function measure(text: string, filters: FilterTexts | undefined, tags: TagInfo[], current: string | undefined): Measured {
  const options = { now: new Date(Date.UTC(2026, 0, 1)) };
  const slot = current === undefined ? {} : { tag: current };
  const policy = policyOf(engine, text, filters);
  const old = before === undefined ? undefined : policyOf(before, text, filters);
  const kinds: Kind[] = before === undefined ? ['warm', 'cold'] : ['warm', 'cold', 'before', 'beforeCold'];
  const fresh = (kind: Kind) => kind === 'cold' || kind === 'beforeCold';
  const select = (kind: Kind, list: TagInfo[]) => (kind.startsWith('before') && before !== undefined && old !== undefined ? before.selectTag(old, list, slot, options) : engine.selectTag(policy, list, slot, options));
  for (let i = 0; i < WARMUP; i++) for (const kind of kinds) select(kind, fresh(kind) ? tags.slice() : tags);
  const runs = new Map(kinds.map((kind) => [kind, { wall: [] as number[], cpu: [] as number[] }]));
  for (let i = 0; i < RUNS; i++) {
    for (const kind of kinds) {
      const list = fresh(kind) ? tags.slice() : tags;
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      select(kind, list);
      const run = runs.get(kind) as { wall: number[]; cpu: number[] };
      run.wall.push(performance.now() - start);
      const used = process.cpuUsage(cpuStart);
      run.cpu.push((used.user + used.system) / 1000);
    }
  }
  const timed = (kind: Kind) => {
    const run = runs.get(kind) as { wall: number[]; cpu: number[] };
    return timing(run.wall, run.cpu);
  };
  const measured: Measured = { warm: timed('warm'), cold: timed('cold'), selected: select('warm', tags).selected };
  if (before === undefined) return measured;
  return { ...measured, before: timed('before'), beforeCold: timed('beforeCold'), beforeSelected: select('before', tags).selected };
}

function timing(wall: number[], cpu: number[]): Timing {
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return { ms: median(wall), minMs: wall[0] ?? NaN, cpuMs: median(cpu), minCpuMs: cpu[0] ?? NaN };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const figures = (t: Timing) => ({ msPerSelection: round(t.ms), minMs: round(t.minMs), cpuMs: round(t.cpuMs), minCpuMs: round(t.minCpuMs) });
const report = (policy: string, count: number, m: Measured) => ({
  policy,
  tags: count,
  ...figures(m.warm),
  cold: figures(m.cold),
  ...(m.before === undefined ? {} : { before: { ...figures(m.before), ...(m.beforeCold === undefined ? {} : { cold: figures(m.beforeCold) }) }, ...(m.beforeSelected === m.selected ? {} : { beforeSelected: m.beforeSelected }) }),
  selected: m.selected,
});
const loadBefore = loadavg()[0];
const tags = makeTags(TAGS);
const chosen = <T extends [string, ...unknown[]]>(cases: T[]): T[] => cases.filter(([name]) => args.only === undefined || name.includes(args.only));
const results = chosen(POLICIES).map(([name, text, filters, current]) => report(name, tags.length, measure(text, filters, tags, current)));
const variantTags = makeVariantTags(TAGS);
const variantResults = chosen(VARIANT_POLICIES).map(([name, text, current]) => {
  try {
    return report(name, variantTags.length, measure(text, undefined, variantTags, current));
  } catch (error) {
    return { policy: name, tags: variantTags.length, error: (error as Error).message };
  }
});
const load = [loadBefore, loadavg()[0]].map((x) => Math.round((x ?? 0) * 10) / 10);
const statistic = 'per selection: median (msPerSelection) and fastest (minMs) wall time, median (cpuMs) and fastest (minCpuMs) CPU time of the runs, again over the same list (top level), first over a fresh copy of it (cold), and the --before build likewise (before, before.cold)';
process.stdout.write(`${JSON.stringify({ name: 'policy-select', statistic, runs: RUNS, node: process.version, load, results, variantResults })}\n`);
