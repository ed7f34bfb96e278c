import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, PolicyError, type Policy } from '../../src/policy/index.ts';
import { cachedPolicy } from '../../src/policy/policy-cache.ts';

test('a policy text is parsed once: later reads share its parse, each caller gets its own policy object', () => {
  const first = cachedPolicy('semver:^1.0.0');
  const again = cachedPolicy('semver:^1.0.0');
  assert.deepEqual(first, parsePolicy('semver:^1.0.0'));
  assert.notEqual(first, again);
  assert.equal((first as Extract<Policy, { kind: 'semver' }>).range, (again as Extract<Policy, { kind: 'semver' }>).range);
});

test('the cache is bounded: past its size, the oldest texts are parsed again and still read right', () => {
  const texts = Array.from({ length: 600 }, (_, i) => `semver:^${i}.0.0`);
  for (const text of texts) cachedPolicy(text);
  for (const text of texts.slice(0, 10)) assert.deepEqual(cachedPolicy(text), parsePolicy(text));
});

test('a text that does not parse throws on every read', () => {
  for (let i = 0; i < 2; i++) assert.throws(() => cachedPolicy('semver:not a range'), PolicyError);
});
