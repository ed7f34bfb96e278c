import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseFilters, parsePolicy, PatternError, PolicyError, selectTag, MAX_PROGRAM_SIZE } from '../../src/policy/index.ts';
import { compileGlob, compileRegex } from '../../src/policy/pattern.ts';
import { RE2JS } from 're2js';
import { DFA_BUDGET_BYTES, LIVE_ENGINES, anchoredPrefix, engineFor, liveEngines } from '../../src/policy/engines.ts';
import { TagpilotError } from '../../src/problems/index.ts';

/** Tags crafted to make a backtracking matcher try every way to split them. */
const adversarial = ['a'.repeat(127), `${'a'.repeat(126)}!`, `${'1.'.repeat(63)}x`, `${'-a'.repeat(63)}!`, `sha-${'0123456789abcdef'.repeat(8)}`.slice(0, 128)].map((tag) => ({ tag, created: new Date(0) }));

// The shapes of issue 9: exponential on a backtracking engine (28 characters took 3 s, a sha-…
// tag of 40 hex digits hours); a linear engine cannot run the lookahead, so they are refused.
for (const policy of ['regexp:^(?:a|a)*(?=b)', 'regexp:^sha-(?:[0-9a-f]|[0-9a-f])*(?=x)', 'numerical:^(?<n>(?:\\d|\\d)*)(?=z)']) {
  test(`pattern: "${policy}" is refused for its lookahead, never run`, () => {
    assert.throws(
      () => parsePolicy(policy),
      (error: unknown) => error instanceof PolicyError && /lookahead "\(\?=…\)", which the linear-time engine cannot run/.test(error.message),
    );
  });
}

for (const [pattern, feature] of [
  ['^v(?!1)', 'a negative lookahead'],
  ['(?<=v)\\d+', 'a lookbehind'],
  ['(?<!v)\\d+', 'a negative lookbehind'],
  ['^(?>a+)b', 'an atomic group'],
  ['^(a)\\1', 'a backreference "\\1"'],
  ['^(?<x>a)\\k<x>', 'a named backreference'],
  ['^a++b', 'a possessive quantifier "++"'],
  ['^\\u0041', 'a "\\u" escape'],
] as const) {
  test(`pattern: /${pattern}/ is refused naming ${feature}`, () => {
    assert.throws(
      () => compileRegex(pattern),
      (error: unknown) => error instanceof PatternError && error.message.includes(`uses ${feature}`) && error.code === 'pattern-invalid',
    );
  });
}

test('pattern: what looks like a lookahead inside a class or \\Q…\\E is literal text', () => {
  assert.ok(compileRegex('^[(?=]+$').test('(=?'));
  assert.ok(compileRegex('^\\Q(?=\\E').test('(?='));
});

test('pattern: a pattern compiling to too many instructions is refused with its size', () => {
  assert.throws(
    () => compileRegex('.{1000}'),
    (error: unknown) => error instanceof PatternError && /too large: it compiles to 1002 instructions, at most 300/.test(error.message),
  );
  assert.ok(MAX_PROGRAM_SIZE >= 66, 'a 64-digit hex tag still fits');
  compileRegex('^sha256-[0-9a-f]{64}$');
});

test('pattern: an RE2 syntax error is a pattern-invalid error without RE2 boilerplate', () => {
  assert.throws(
    () => compileRegex('a{1001}'),
    (error: unknown) => error instanceof TagpilotError && error.message === 'invalid regular expression "a{1001}": invalid repeat count: `{1001}`',
  );
});

test('pattern: named groups in both spellings order the tags', () => {
  for (const policy of ['regexp:^b-(?<n>\\d+)$', 'regexp:^b-(?P<n>\\d+)$']) {
    assert.equal(selectTag(parsePolicy(policy), [{ tag: 'b-9' }, { tag: 'b-10' }, { tag: 'x' }]).selected, 'b-10');
  }
});

for (const pattern of ['(a|a)*b', '.*.*.*.*.*.*x', '^(a|aa)+$', '^\\d+(\\.\\d+)*$', '^(-[a-z0-9]+)+$', '(\\w+\\d+)?\\w+!', '(a+)+$', '(\\w*)*x', '^sha-(?:[0-9a-f]|[0-9a-f])*$']) {
  test(`pattern: /${pattern}/ over crafted 128-character tags finishes in well under a second`, () => {
    const policy = parsePolicy(`regexp:${pattern}`);
    const start = performance.now();
    selectTag(policy, adversarial);
    assert.ok(performance.now() - start < 500, `${(performance.now() - start).toFixed(0)} ms`);
  });
}

test('pattern: an ignore filter is bounded the same way', () => {
  assert.throws(() => parseFilters({ ignore: 'regexp:^(?:a|a)*(?=b)' }), /lookahead/);
  const policy = { ...parsePolicy('glob:*'), filters: parseFilters({ ignore: 'regexp:(a|a)*b' }) };
  const start = performance.now();
  selectTag(policy, adversarial);
  assert.ok(performance.now() - start < 500);
});

for (const [glob, matches, misses] of [
  ['main-*', ['main-', 'main-1.2', 'main-a-b'], ['xmain-1', 'main']],
  ['1.2.*', ['1.2.3', '1.2.'], ['1.23', '1x2.3']],
  ['v?', ['v1', 'va'], ['v', 'v12']],
  ['[0-9]*', ['1', '9abc'], ['a1', '']],
  ['[!0-9]*', ['a1'], ['1a']],
  ['[^a-c]x', ['dx'], ['ax', 'cx']],
  ['[[:digit:]]-*', ['1-a'], ['a-1']],
  ['{main,release}-[0-9]*', ['main-1', 'release-22'], ['dev-1', 'main-x']],
  ['{a,b{c,d}}', ['a', 'bc', 'bd'], ['b', 'ab']],
  ['a**b', ['ab', 'a-x-b'], ['a']],
  ['\\*x', ['*x'], ['ax']],
  ['1.*', ['1.0'], ['10']],
  ['[-a]', ['-', 'a'], ['b']],
] as const) {
  test(`glob: "${glob}" matches ${matches.join(', ')} and not ${misses.join(', ')}`, () => {
    const matcher = compileGlob(glob);
    for (const tag of matches) assert.ok(matcher.test(tag), tag);
    for (const tag of misses) assert.ok(!matcher.test(tag), tag);
  });
}

for (const [glob, message] of [
  ['build-{1..3}', /needs a comma/],
  ['a{b,c', /never closed/],
  ['a}', /closes nothing/],
  ['[a-z', /never closed/],
  ['a\\', /lone "\\"/],
  ['[[:letters:]]', /unknown character class/],
  ['a/b', /contains "\/"/],
] as const) {
  test(`glob: "${glob}" is an error`, () => {
    assert.throws(
      () => compileGlob(glob),
      (error: unknown) => error instanceof PatternError && message.test(error.message),
    );
  });
}

test('glob: brace alternatives are matched, not expanded (2⁴⁰ combinations compile small)', () => {
  const matcher = compileGlob('{a,b}'.repeat(40));
  assert.ok(matcher.test('ab'.repeat(20)));
  assert.ok(!matcher.test('ab'.repeat(19)));
});

/** A reference glob matcher for `*`, `?` and literals (dynamic programming, no regex). */
function referenceGlob(glob: string, tag: string): boolean {
  let row = Array.from({ length: tag.length + 1 }, (_, j) => j === 0);
  for (const g of glob) {
    const next = Array.from({ length: tag.length + 1 }, () => false);
    next[0] = g === '*' && row[0]!;
    for (let j = 1; j <= tag.length; j++) {
      if (g === '*') next[j] = row[j]! || next[j - 1]!;
      else next[j] = row[j - 1]! && (g === '?' || g === tag[j - 1]);
    }
    row = next;
  }
  return row[tag.length]!;
}

test('glob: property: matching agrees with a reference matcher for *, ? and literals', () => {
  const globs = fc.array(fc.constantFrom('a', 'b', '.', '-', '*', '?'), { minLength: 1, maxLength: 12 }).map((chars) => chars.join(''));
  const tags = fc.array(fc.constantFrom('a', 'b', '.', '-'), { maxLength: 16 }).map((chars) => chars.join(''));
  fc.assert(
    fc.property(globs, tags, (glob, tag) => compileGlob(glob).test(tag) === referenceGlob(glob, tag)),
    { numRuns: 500 },
  );
});

test('engines: only the most recently used programs stay compiled, and a dropped one recompiles', () => {
  const first = compileRegex('^first-\\d+$');
  for (let i = 0; i < LIVE_ENGINES + 10; i++) compileRegex(`^p${i}-[a-z]+$`);
  assert.ok(liveEngines() <= LIVE_ENGINES);
  assert.ok(first.test('first-12'), 'recompiled on use');
  assert.ok(!first.test('first-x'));
});

test("engines: each program gets a small DFA budget instead of re2js's 8 MiB", () => {
  const regex = compileRegex('(?:a|b)*a(?:a|b){20}');
  regex.test('ab'.repeat(60));
  // The compiled program is reached through the pool the matcher uses.
  const engine = { source: '(?:a|b)*a(?:a|b){20}' };
  const dfa = engineFor(engine).re2().lazyDFA;
  assert.equal(dfa?.maxMem, DFA_BUDGET_BYTES);
});

const PREFIXES: [string, string][] = [
  ['^main-(?<n>\\d+)-', 'main-'],
  ['^sha-[0-9a-f]{12}$', 'sha-'],
  ['^v', 'v'],
  ['(^main)-x', 'main-x'],
  ['^\\Qa.b\\E', 'a.b'],
  ['^x{2}y', 'xxy'],
  ['^(?:ab|ac)', 'a'],
  ['^ab*c', 'a'],
  ['^a?b', ''],
  ['main-(\\d+)', ''],
  ['^main|pr', ''],
  ['^(?:main|pr)-', ''],
  ['(?i)^main', ''],
  ['(?m)^main', ''],
  ['^(?<d>\\d{4})', ''],
];

for (const [pattern, prefix] of PREFIXES) {
  test(`engines: every match of /${pattern}/ starts the tag with ${JSON.stringify(prefix)}`, () => {
    assert.equal(anchoredPrefix(RE2JS.compile(pattern)), prefix);
  });
}

test('pattern: property: the prefix check never changes what a regular expression matches or captures', () => {
  const tag = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,12}$/), fc.constantFrom('main-12-x', 'main-', 'main-7-', 'sha-0123456789ab', 'va', 'MAIN-1-', 'pr-3', 'xxy', 'abbbc', 'ac', 'a.b'));
  const regexes = PREFIXES.map(([pattern]) => [compileRegex(pattern), RE2JS.compile(pattern)] as const);
  fc.assert(
    fc.property(tag, (text) => {
      for (const [regex, raw] of regexes) {
        assert.equal(regex.test(text), raw.test(text), `${regex.source} on ${text}`);
        const group = regex.groupNames[0];
        if (group === undefined) continue;
        const matcher = raw.matcher(text);
        assert.equal(regex.capture(text, group), matcher.find() ? (matcher.group(group) ?? undefined) : undefined, `${regex.source} captures on ${text}`);
      }
    }),
    { seed: 13_2026, numRuns: 2000 },
  );
});
