import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, selectTag } from '../../src/policy/index.ts';

const tags = (...names: string[]) => names.map((tag) => ({ tag }));

test('semver picks the highest tag inside the range', () => {
  const selection = selectTag(parsePolicy('semver:~1.2'), tags('1.2.0', '1.2.9', '1.3.0', 'latest'), { tag: '1.2.0' });
  assert.equal(selection.selected, '1.2.9');
  assert.equal(selection.changed, true);
});

test('semver never downgrades the current tag', () => {
  const selection = selectTag(parsePolicy('semver:^1'), tags('1.0.0', '1.1.0'), { tag: '1.5.0' });
  assert.deepEqual([selection.selected, selection.changed], ['1.5.0', false]);
});

test('an unknown policy kind is an error that names it', () => {
  assert.throws(() => parsePolicy('fancy:1'), /unknown policy kind "fancy"/);
});
