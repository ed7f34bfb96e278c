import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { oneWay } from '../../src/policy/one-way.ts';
import { compileRegex } from '../../src/policy/pattern.ts';

/** RE2's own answer: whether it matches, and every group's capture (null when it took no part). */
function re2Answer(pattern: string, text: string): (string | null)[] | null {
  const matcher = RE2JS.compile(pattern).matcher(text);
  if (!matcher.find()) return null;
  return Array.from({ length: matcher.groupCount() + 1 }, (_, i) => matcher.group(i));
}

function v8Answer(regexp: RegExp, text: string): (string | null)[] | null {
  const match = regexp.exec(text);
  return match === null ? null : Array.from(match, (group) => group ?? null);
}

// The pieces patterns are made of: single characters in every spelling the subset reads, and some it does not.
const ATOMS = ['a', 'b', 'c', '-', '_', '1', '\\.', '\\-', '\\$', '.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '[a-c]', '[^a]', '[0-9a-f]', '[-a]', '[b-]', '[^-b]', '[ab\\d]', '[\\.\\-]', '[._]', '[^\\s]', '[A-Cx]'];
const COUNTS = ['', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '{2,}', '{0,1}', '*?', '+?'];
const WORDS = ['(?:ab|c)', '(?:main|pr)', '(a|-b)', '(?P<w>\\d|x)', '(?:a|ab)', '(?:[ab]|c)'];

const element: fc.Arbitrary<string> = fc.oneof({ weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ATOMS), fc.constantFrom(...COUNTS)).map(([atom, count]) => atom + count) }, { weight: 1, arbitrary: fc.constantFrom(...WORDS) });

/** A group of every kind around a few elements, sometimes repeated (which the subset refuses). */
const group: fc.Arbitrary<string> = fc.tuple(fc.constantFrom('(', '(?:', '(?P<g>', '(?<h>'), fc.array(element, { maxLength: 3 }), fc.constantFrom(')', ')', ')', ')?', ')+')).map(([open, inner, close]) => open + inner.join('') + close);

/** Patterns near the subset: mostly anchored, groups of every kind, `$` or not. */
const patterns: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('^', '^', '^', ''), fc.array(fc.oneof({ weight: 4, arbitrary: element }, { weight: 1, arbitrary: group }), { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([anchor, parts, end]) => `${anchor}${parts.join('')}${end ? '$' : ''}`)
  .filter((pattern) => {
    try {
      RE2JS.compile(pattern);
      return true;
    } catch {
      return false;
    }
  });

/** Texts over the characters the atoms test, control characters and one beyond ASCII included. */
const texts = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-', '_', '.', '1', '9', 'x', 'A', ' ', '\n', '\t', '\v', '$', 'main', 'pr', 'é'), maxLength: 12 });

test('one-way: V8 gives RE2 answer and every capture for each pattern it takes', () => {
  let taken = 0;
  fc.assert(
    fc.property(patterns, fc.array(texts, { minLength: 1, maxLength: 20 }), (pattern, samples) => {
      const fast = oneWay(pattern);
      if (fast === undefined) return;
      taken++;
      for (const text of samples.filter((sample) => !sample.includes('é'))) assert.deepEqual(v8Answer(fast.regexp, text), re2Answer(pattern, text), `/${pattern}/ on ${JSON.stringify(text)}`);
    }),
    { numRuns: 3000, seed: 11 },
  );
  assert.ok(taken > 500, `only ${taken} of 3000 patterns were one-way: the test would prove little`);
});

test('one-way: every class of the subset holds, over all of ASCII, what RE2 says it holds', () => {
  for (const atom of ATOMS) {
    const fast = oneWay(`^${atom}$`);
    assert.ok(fast !== undefined, atom);
    const re2 = RE2JS.compile(`^${atom}$`);
    for (let c = 0; c < 128; c++) {
      const text = String.fromCharCode(c);
      assert.equal(fast.regexp.test(text), re2.test(text), `${atom} on ${c}`);
    }
  }
});

test('one-way: a compiled pattern answers as RE2 does, beyond ASCII too', () => {
  fc.assert(
    fc.property(patterns, fc.array(texts, { minLength: 1, maxLength: 10 }), (pattern, samples) => {
      let regex: ReturnType<typeof compileRegex>;
      try {
        regex = compileRegex(pattern);
      } catch {
        return; // refused (matches "", say): nothing to run
      }
      for (const text of samples) {
        const answer = re2Answer(pattern, text);
        assert.equal(regex.test(text), answer !== null, `/${pattern}/ on ${JSON.stringify(text)}`);
        for (const name of regex.groupNames) {
          const at = RE2JS.compile(pattern).namedGroups()[name] as number;
          assert.equal(regex.capture(text, name), answer?.[at] ?? undefined, `/${pattern}/ group ${name} on ${JSON.stringify(text)}`);
        }
      }
    }),
    { numRuns: 1500, seed: 7 },
  );
});

// What the subset takes: real tag patterns with one way through them.
for (const pattern of ['^main-(?<n>\\d+)-', '^(?<order>\\d{4}-\\d{2}-\\d{2})$', '^v?(?P<version>\\d+\\.\\d+\\.\\d+)$', '^(?:main|pr)-', '^sha-[0-9a-f]{12}$', '^main-[a-fA-F0-9]+-(?P<ts>[0-9]+)', '^[^-]+-(?<x>[a-z]+)$', '^(?:alpine3\\.\\d+)$']) {
  test(`one-way: /${pattern}/ runs on V8`, () => {
    assert.ok(oneWay(pattern) !== undefined);
  });
}

// And what it leaves to RE2: more than one way through, no `^`, or syntax outside the subset.
for (const [pattern, why] of [
  ['^(?P<ts>.*)-x', 'a run of any character before a "-"'],
  ['^a*a', 'a run of "a" before an "a"'],
  ['^\\d+\\.?\\d*$', 'digits on both sides of an optional "."'],
  ['^sha-(?:[0-9a-f]|[0-9a-f])*$', 'a repeated group'],
  ['^(?:a|ab)', 'alternatives beginning alike'],
  ['main-(\\d+)', 'no "^"'],
  ['^(?:main|pr)-|x', 'an alternation outside a group'],
  ['^(?i)main', 'a flag'],
  ['^a\\b', 'an assertion'],
  ['^a+?b', 'a lazy count'],
  ['^[[:alpha:]]+$', 'a named class'],
  ['^\\pL+$', 'a Unicode class'],
  ['^é+$', 'a character beyond ASCII'],
] as const) {
  test(`one-way: /${pattern}/ stays on RE2 (${why})`, () => {
    assert.equal(oneWay(pattern), undefined);
  });
}

test('one-way: a pattern V8 would backtrack on forever is never given to it', () => {
  // Exponential or of a high degree on a backtracking engine; RE2 answers at once, and so must the compiled pattern.
  for (const pattern of ['^(a+)+$', '^(?:a|a)*b', '^(a*)*b', '^(?:a?){20}a{20}$', '^a*a*a*a*a*a*b', '^\\d*\\d*\\d*\\d*x', '^(?:a|b)?a*a*c']) {
    assert.equal(oneWay(pattern), undefined, pattern);
    assert.equal(compileRegex(pattern).test(`${'a'.repeat(40)}!`), false);
  }
});
