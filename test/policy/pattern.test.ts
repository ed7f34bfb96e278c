import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, selectTag } from '../../src/policy/index.ts';

/** Tags crafted to make a backtracking matcher try every way to split them. */
const adversarial = ['a'.repeat(127), `${'a'.repeat(126)}!`, `${'1.'.repeat(63)}x`, `${'-a'.repeat(63)}!`].map((tag) => ({ tag, created: new Date(0) }));

for (const pattern of ['(a|a)*b', '.*.*.*.*.*.*x', '^(a|aa)+$', '^\\d+(\\.\\d+)*$', '^(-[a-z0-9]+)+$', '(\\w+\\d+)?\\w+!']) {
  test(`pattern: /${pattern}/ over crafted 128-character tags finishes in well under a second`, () => {
    const policy = parsePolicy(`regexp:${pattern}`);
    const start = performance.now();
    selectTag(policy, adversarial);
    assert.ok(performance.now() - start < 500, `${(performance.now() - start).toFixed(0)} ms`);
  });
}

test('pattern: globs with many stars over crafted tags finish in well under a second', () => {
  const start = performance.now();
  selectTag(parsePolicy('glob:*a*a*a*a*a*a*a*a*b'), adversarial);
  assert.ok(performance.now() - start < 500);
});
