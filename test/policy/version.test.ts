import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, parseVersion } from '../../src/policy/index.ts';
import { compareDecimal, compareNatural, parseDecimal } from '../../src/policy/natural.ts';

for (const [tag, release, prerelease] of [
  ['1', [1], []], ['v1.2', [1, 2], []], ['V1.2.3', [1, 2, 3], []], ['1.2.3.4', [1, 2, 3, 4], []],
  ['2022.04.01', [2022, 4, 1], []], ['1.0.0-rc.1', [1, 0, 0], ['rc', 1]], ['1.0.0-alpine-3', [1, 0, 0], ['alpine-3']],
] as const) {
  test(`version: "${tag}" reads as ${JSON.stringify([release, prerelease])}`, () => {
    assert.deepEqual(parseVersion(tag), { release, prerelease });
  });
}

for (const tag of ['latest', '1.2.3.4.5', 'v', '1.2.3-', '1.2.3-rc..1', '1..2', 'x1.2', '1.2.3_4', '1234567890123456']) {
  test(`version: "${tag}" is not a version`, () => assert.equal(parseVersion(tag), null));
}

const ascending = ['0.9', '1.0.0-alpha', '1.0.0-alpha.2', '1.0.0-alpha.10', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-rc9', '1.0.0-rc10', '1.0.0', '1.0.0.1', '1.0.1', '1.2', '1.10', '2'];
test('version: orders numerically and numeric-aware in prereleases', () => {
  for (let i = 1; i < ascending.length; i++) {
    const [a, b] = [parseVersion(ascending[i - 1] ?? ''), parseVersion(ascending[i] ?? '')];
    assert.ok(a !== null && b !== null && compareVersions(a, b) < 0, `${ascending[i - 1]} < ${ascending[i]}`);
  }
});

test('version: spellings of one version compare equal', () => {
  const [a, b, c] = ['1.10', '1.10.0', 'v01.10.0'].map((tag) => parseVersion(tag));
  assert.ok(a && b && c);
  assert.equal(compareVersions(a, b), 0);
  assert.equal(compareVersions(b, c), 0);
});

test('natural: digit runs compare by value and only identical strings are equal', () => {
  assert.ok(compareNatural('rc9', 'rc10') < 0);
  assert.ok(compareNatural('a2b', 'a10a') < 0);
  assert.notEqual(compareNatural('01', '1'), 0);
  assert.equal(compareNatural('x', 'x'), 0);
});

test('natural: decimals compare exactly, signs included', () => {
  const d = (text: string) => parseDecimal(text) ?? assert.fail(text);
  assert.ok(compareDecimal(d('-2'), d('-1.5')) < 0);
  assert.ok(compareDecimal(d('1.05'), d('1.5')) < 0);
  assert.equal(compareDecimal(d('-0'), d('0.000')), 0);
  assert.equal(parseDecimal('1e3'), null);
});
