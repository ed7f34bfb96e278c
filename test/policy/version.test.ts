import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, coreAtLeast, parseVersion, type Version } from '../../src/policy/index.ts';
import { isCommitHash, scanCore, scannedSuffixStart, scanSuffix, scanVersion, SUFFIX_NONE, SUFFIX_PRERELEASE, SUFFIX_VARIANT } from '../../src/policy/version.ts';
import { inRange, mayBeInRange, parseRange } from '../../src/policy/semver-policy.ts';
import { compatibilityCheck, parseCompatibility } from '../../src/policy/compat.ts';
import { compareDecimal, compareNatural, parseDecimal } from '../../src/policy/natural.ts';
import { isValidTag } from '../../src/image/index.ts';
import fc from 'fast-check';
import { parseVersion as oracleParse } from './oracle/version.ts';

/** [tag, release, prerelease, variant, build counter]: the shapes real registries publish. */
for (const [tag, release, prerelease, variant, build] of [
  ['1', [1], [], '', ''],
  ['v1.2', [1, 2], [], '', ''],
  ['V1.2.3', [1, 2, 3], [], '', ''],
  ['1.2.3.4', [1, 2, 3, 4], [], '', ''],
  ['2022.04.01', [2022, 4, 1], [], '', ''],
  ['20240215', [20240215], [], '', ''],
  ['1.0.0-rc.1', [1, 0, 0], ['rc', 1], '', ''],
  ['1.0.0-beta2', [1, 0, 0], ['beta2'], '', ''],
  ['2.0.0-RC1', [2, 0, 0], ['RC1'], '', ''],
  ['1.0.0-rc-2', [1, 0, 0], ['rc-2'], '', ''],
  ['9.0.100-preview.7-bookworm-slim', [9, 0, 100], ['preview', 7], 'bookworm-slim', ''],
  ['3.13.0rc1', [3, 13, 0], ['rc1'], '', ''],
  ['3.13.0a3-slim-bookworm', [3, 13, 0], ['a3'], 'slim-bookworm', ''],
  ['8.0-M02-alpine', [8, 0], ['M02'], 'alpine', ''],
  ['1.25.3-alpine', [1, 25, 3], [], 'alpine', ''],
  ['1.25.3-alpine3.18', [1, 25, 3], [], 'alpine3.18', ''],
  ['3.12.1-slim-bookworm', [3, 12, 1], [], 'slim-bookworm', ''],
  ['1.25.3-alpine-perl', [1, 25, 3], [], 'alpine-perl', ''],
  ['ltsc2022-1.0', null, null, null, null],
  ['20-alpine', [20], [], 'alpine', ''],
  ['1.0.0-alpine-3', [1, 0, 0], [], 'alpine-3', ''],
  ['16.1.0-debian-12-r3', [16, 1, 0], [], 'debian-12', 'r3'],
  ['1.27.2-ls133', [1, 27, 2], [], '', 'ls133'],
  ['1.26.2-r3-ls300', [1, 26, 2], [], '', 'r3-ls300'],
  ['3.18.4-r1', [3, 18, 4], [], '', 'r1'],
  ['2.4.57-1', [2, 4, 57], [], '', '1'],
  ['4.0.11.2680-ls262', [4, 0, 11, 2680], [], '', 'ls262'],
  ['1.41.3.9314-a0bfb8370-ls250', [1, 41, 3, 9314], [], '', 'ls250'],
  ['10.0.17763.5329-windowsservercore-ltsc2019', [10, 0, 17763, 5329], [], 'windowsservercore-ltsc2019', ''],
  ['1.0.0-devel', [1, 0, 0], [], 'devel', ''],
  ['1.0.0-bookworm', [1, 0, 0], [], 'bookworm', ''],
] as const) {
  test(`version: "${tag}" reads as ${JSON.stringify([release, prerelease, variant, build])}`, () => {
    assert.deepEqual(parseVersion(tag), release === null ? null : { release, prerelease, variant, build });
  });
}

for (const tag of ['latest', '1.2.3.4.5', 'v', '1.2.3-', '1.2.3-rc..1', '1..2', 'x1.2', '1.2.3_4', '1234567890123456', '1.2.3x', 'alpine', 'lts-alpine', '1.2.3--alpine']) {
  test(`version: "${tag}" is not a version`, () => assert.equal(parseVersion(tag), null));
}

for (const [tag, hash] of [
  ['3f2a1b9', true],
  ['a0bfb8370', true],
  ['deadbeefcafe', true],
  ['0123456789abcdef0123456789abcdef01234567', true],
  ['1234567', false],
  ['20240215', false],
  ['abc123', false],
  ['3F2A1B9', false],
  ['0123456789abcdef0123456789abcdef012345678', false],
] as const) {
  test(`version: "${tag}" is ${hash ? '' : 'not '}a commit hash`, () => {
    assert.equal(isCommitHash(tag), hash);
    if (hash) assert.equal(parseVersion(tag), null);
  });
}

const ascending = ['0.9', '1.0.0-alpha', '1.0.0-alpha.2', '1.0.0-alpha.10', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-rc9', '1.0.0-rc10', '1.0.0', '1.0.0-r1', '1.0.0-r2-ls5', '1.0.0-r2-ls10', '1.0.0-r10', '1.0.0.1', '1.0.1', '1.2', '1.10', '2'];
test('version: orders numerically and numeric-aware in prereleases', () => {
  for (let i = 1; i < ascending.length; i++) {
    const [a, b] = [parseVersion(ascending[i - 1] ?? ''), parseVersion(ascending[i] ?? '')];
    assert.ok(a !== null && b !== null && compareVersions(a, b) < 0, `${ascending[i - 1]} < ${ascending[i]}`);
  }
});

test('version: a variant does not order (1.2.3-alpine is level with 1.2.3)', () => {
  const [a, b] = ['1.2.3-alpine', '1.2.3'].map((tag) => parseVersion(tag));
  assert.ok(a && b);
  assert.equal(compareVersions(a, b), 0);
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

/** Tags near the version grammar: a core, then `-`-joined segments of every kind, sometimes glued or broken. */
const SEGMENTS = ['rc', 'RC1', 'rc.1', 'beta2', 'b2', 'a1', 'M02', 'dev', 'devel', 'pre', 'alpine', 'alpine3.18', 'slim', 'bookworm', 'debian', '12', 'ls133', 'r1', 'r', 'ls', 'a0bfb8370', 'deadbeef', 'abc1234', '_x', 'x.', '.x', '', 'é'];
const segment = fc.oneof(fc.constantFrom(...SEGMENTS), fc.stringMatching(/^[a-z0-9._]{1,6}$/));
const versionish = fc
  .tuple(fc.constantFrom('', 'v', 'V', 'x'), fc.array(fc.stringMatching(/^\d{1,3}$/), { minLength: 1, maxLength: 5 }), fc.constantFrom('', '', 'rc1', 'b2', '.', 'x'), fc.array(segment, { maxLength: 4 }))
  .map(([prefix, core, glued, segments]) => `${prefix}${core.join('.')}${glued}${segments.map((part) => `-${part}`).join('')}`);

test('version: the parser reads every tag as the parser before it did (test/policy/oracle/version.ts)', () => {
  fc.assert(
    fc.property(fc.oneof(versionish, fc.string({ maxLength: 20 })), (tag) => {
      assert.deepEqual(parseVersion(tag), oracleParse(tag));
    }),
    { numRuns: 20000, seed: 19 },
  );
});

test('version: a tag read as a version, of at most 128 characters, is a valid tag (the selection skips the grammar check for it)', () => {
  fc.assert(
    fc.property(fc.oneof(versionish, fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 })), (tag) => {
      if (parseVersion(tag) !== null && tag.length <= 128) assert.ok(isValidTag(tag), tag);
    }),
    { numRuns: 20000, seed: 23 },
  );
});

test('version: a scanned version passes or fails each compatibility rule as the version built from it does, with the same verdict', () => {
  const options = [[], ['variant=any'], ['variant=plain'], ['variant=alpine3\\.\\d+'], ['precision=any'], ['precision=2', 'variant=any']];
  const references = [null, '1.2.3', '1.2.3-alpine', '1.2-slim-bookworm', '20240215', '3.18.4-a0bfb8370-alpine-r1'];
  const checks = options.flatMap((tokens) => references.map((reference) => compatibilityCheck(parseCompatibility(tokens), reference === null ? null : parseVersion(reference), reference ?? undefined)));
  fc.assert(
    fc.property(versionish, (tag) => {
      const version = parseVersion(tag);
      for (const check of checks) {
        if (!scanVersion(tag)) return assert.equal(version, null);
        assert.equal(check.checkScanned(tag), version === null ? assert.fail(tag) : check.check(version), tag);
      }
    }),
    { numRuns: 5000, seed: 29 },
  );
});

test('version: a range turns down a scanned version on its core only where it turns down the version built from it', () => {
  // The bounds that name a prerelease are the ones the core alone cannot decide.
  const ranges = ['*', '^1', '~1.2', '>1.0.0-rc.1', '>=1.2.0-rc.1 <2.0.0-0', '<2.0.0-0', '<=1.2.3-rc.2', '1.2.3-rc.2 || >=3.1', '>1.2.3-rc.1', '1.x || 3', '<1.2.4'].map(parseRange);
  const near = fc.tuple(fc.array(fc.constantFrom('0', '1', '2', '3'), { minLength: 1, maxLength: 4 }), fc.constantFrom('', '-rc.1', '-rc.2', '-rc.3', '-alpha', '-0', 'rc1'), fc.constantFrom('', '-alpine', '-ls3')).map(([core, pre, variant]) => `${core.join('.')}${pre}${variant}`);
  fc.assert(
    fc.property(fc.oneof(near, versionish), (tag) => {
      const version = parseVersion(tag);
      if (version === null) return;
      for (const range of ranges) {
        scanVersion(tag);
        if (!mayBeInRange(range)) assert.equal(inRange(range, version), false, `${tag} in ${range.text}`);
      }
    }),
    { numRuns: 5000, seed: 31 },
  );
});

test('version: the first segment of a suffix, read alone, says prerelease or another variant only of a tag that is one, or no version', () => {
  fc.assert(
    fc.property(versionish, (tag) => {
      const version = parseVersion(tag);
      if (!scanCore(tag)) return assert.equal(version, null, tag);
      const start = scannedSuffixStart(tag);
      if (version === null) return;
      if (start === SUFFIX_PRERELEASE) assert.ok(version.prerelease.length > 0, `${tag} read as a prerelease`);
      if (start === SUFFIX_VARIANT) assert.notEqual(version.variant, '', `${tag} read as another variant`);
      if (start === SUFFIX_NONE) assert.deepEqual(version, { release: version.release, prerelease: [], variant: '', build: '' }, `${tag} read as a core alone`);
    }),
    { numRuns: 20000, seed: 37 },
  );
});

test('version: every version newer than another has a core no lower than its (coreAtLeast turns down none of them)', () => {
  const floors = ['0', '1.2', '1.2.3', '1.2.3-rc.1', '1.2.3-alpine-ls5', '3.0.0.1', '20240215'].map((text) => parseVersion(text) as Version);
  // Cores near the floors', so that many tags are level with one on their core and newer by a prerelease or a counter.
  const near = fc.tuple(fc.array(fc.constantFrom('0', '1', '2', '3'), { minLength: 1, maxLength: 4 }), fc.constantFrom('', '-rc.1', '-rc.2', '-alpha'), fc.constantFrom('', '-alpine', '-alpine-ls5', '-alpine-ls6', '-ls3')).map(([core, pre, variant]) => `${core.join('.')}${pre}${variant}`);
  fc.assert(
    fc.property(fc.oneof(near, versionish), (tag) => {
      const version = parseVersion(tag);
      for (const floor of floors) {
        if (version !== null && compareVersions(version, floor) > 0) assert.ok(coreAtLeast(tag, floor), `${tag} over ${floor.release.join('.')}`);
        if (version === null) assert.equal(coreAtLeast(tag, floor) && scanSuffix(tag), false, tag);
      }
    }),
    { numRuns: 10000, seed: 41 },
  );
});
