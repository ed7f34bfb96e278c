/**
 * Selection speed per policy kind over 10,000 tags (releases, prereleases, build tags, junk).
 * Run: node bench/policy-select.bench.ts — prints one JSON object to stdout.
 */
import { parseFilters, parsePolicy, selectTag, withFilters, type Policy, type TagInfo } from '../src/policy/index.ts';
import { random } from './random.ts';

const TAGS = 10_000;
const RUNS = 60;
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

function measure(policy: Policy, tags: TagInfo[], current: string | undefined): { ms: number; minMs: number; selected: string | null } {
  const options = { now: new Date(Date.UTC(2026, 0, 1)) };
  const slot = current === undefined ? {} : { tag: current };
  let selected: string | null = null;
  for (let i = 0; i < WARMUP; i++) selected = selectTag(policy, tags, slot, options).selected;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    selectTag(policy, tags, slot, options);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? NaN, minMs: times[0] ?? NaN, selected };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const tags = makeTags(TAGS);
const results = POLICIES.map(([name, policy, current]) => {
  const { ms, minMs, selected } = measure(policy, tags, current);
  return { policy: name, tags: tags.length, msPerSelection: round(ms), minMs: round(minMs), selected };
});
const variantTags = makeVariantTags(TAGS);
const variantResults = VARIANT_POLICIES.map(([name, text, current]) => {
  let policy: Policy;
  try {
    policy = parsePolicy(text);
  } catch (error) {
    return { policy: name, tags: variantTags.length, error: (error as Error).message };
  }
  const { ms, minMs, selected } = measure(policy, variantTags, current);
  return { policy: name, tags: variantTags.length, msPerSelection: round(ms), minMs: round(minMs), selected };
});
process.stdout.write(`${JSON.stringify({ name: 'policy-select', statistic: 'median (msPerSelection) and fastest (minMs) of the runs', runs: RUNS, node: process.version, results, variantResults })}\n`);
