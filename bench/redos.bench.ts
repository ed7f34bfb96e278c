/**
 * Hostile tag patterns (issue 9, finding 2): each is either refused when the policy is parsed,
 * with the reason, or selected over 10,000 crafted 128-character tags, timed. Before RE2,
 * `^(?:a|a)*(?=b)` blocked the event loop for 3.1 s on a 28-character tag and doubled with each
 * character more; on a `sha-` tag of 40 hex digits that is hours.
 * Run: node bench/redos.bench.ts — prints one JSON object.
 */
import { parseFilters, parsePolicy, selectTag, withFilters, type Policy, type TagInfo } from '../src/policy/index.ts';

const TAGS = 10_000;

/** Tags built to make a backtracking engine try every split: long runs, near misses. */
function crafted(): TagInfo[] {
  const shapes = [(i: number) => `${'a'.repeat(120)}${i}`, (i: number) => `sha-${(i.toString(16) + '0123456789abcdef'.repeat(8)).slice(0, 120)}`, (i: number) => `${'1.'.repeat(60)}${i}`];
  return Array.from({ length: TAGS }, (_, i) => ({ tag: shapes[i % shapes.length]!(i).slice(0, 128), created: new Date(1_700_000_000_000 + i * 1000) }));
}

const PATTERNS = [
  'regexp:^(?:a|a)*(?=b)',
  'regexp:^sha-(?:[0-9a-f]|[0-9a-f])*(?=x)',
  'regexp:^(a)\\1',
  'regexp:^(?:a|a)*b',
  'regexp:^sha-(?:[0-9a-f]|[0-9a-f])*$',
  'regexp:(a+)+$',
  'regexp:.*.*.*.*.*.*x',
  'regexp:^(?<n>(?:a?){20}a{20})$',
  'numerical:^(?<n>(?:\\d|\\d)*)$',
  'glob:*a*a*a*a*a*a*a*a*b',
  'glob:' + '{a,b}'.repeat(40),
];

const tags = crafted();
const results = PATTERNS.map((text) => {
  let policy: Policy;
  const compileStart = performance.now();
  try {
    policy = text.startsWith('glob:') ? parsePolicy(text) : parsePolicy(text);
  } catch (error) {
    return { pattern: text, refused: (error as Error).message, compileMs: round(performance.now() - compileStart) };
  }
  const compileMs = round(performance.now() - compileStart);
  const start = performance.now();
  selectTag(policy, tags);
  return { pattern: text, compileMs, msOver10kTags: round(performance.now() - start) };
});
const ignoreStart = performance.now();
selectTag(withFilters(parsePolicy('glob:*'), parseFilters({ ignore: 'regexp:^(?:a|a)*b,regexp:(a+)+$' })), tags);
results.push({ pattern: 'glob:* + ignore regexp:^(?:a|a)*b,regexp:(a+)+$', compileMs: 0, msOver10kTags: round(performance.now() - ignoreStart) });

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

process.stdout.write(`${JSON.stringify({ name: 'redos', tags: TAGS, tagLength: 128, node: process.version, results }, null, 1)}\n`);
