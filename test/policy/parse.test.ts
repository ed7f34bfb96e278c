import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilters, parsePolicy, policyNeeds, withFilters, PolicyError } from '../../src/policy/index.ts';

for (const [text, kind] of [
  ['semver:~1.2', 'semver'],
  ['  semver: ^1  ', 'semver'],
  ['SEMVER:1.x', 'semver'],
  ['glob:*', 'glob'],
  ['regexp:^v', 'regexp'],
  ['regex:^v', 'regexp'],
  ['alphabetical', 'alphabetical'],
  ['alphabetical:desc', 'alphabetical'],
  ['numerical:asc:^b(?<n>\\d+)$', 'numerical'],
  ['major', 'relative'],
  ['minor', 'relative'],
  ['patch', 'relative'],
  ['all', 'relative'],
  ['digest:stable', 'digest'],
  ['digest', 'digest'],
] as const) {
  test(`parse: "${text}" is a ${kind} policy`, () => assert.equal(parsePolicy(text).kind, kind));
}

test('parse: the source is the policy as written, trimmed', () => {
  assert.equal(parsePolicy('  semver: ^1 ').source, 'semver: ^1');
});

for (const [text, message] of [
  ['', /empty/],
  ['fancy:1', /unknown policy kind "fancy"/],
  ['latest', /unknown policy kind "latest"/],
  ['semver:', /"semver:": needs a range/],
  ['semver:not-a-range', /invalid semver range "not-a-range"/],
  ['semver:>2 <1', /matches no version/],
  ['semver:>=1.2 foo', /"foo" is not a comparator/],
  ['semver:>=1.2 && <2', /"&&" is not a comparator/],
  ['semver:1.2 ||', /empty alternative around "\|\|"/],
  ['semver:1.2.3.4', /"1.2.3.4" is not a comparator/],
  ['semver:1.2 - latest', /"latest" is not a version/],
  ['glob:', /needs a pattern/],
  ['glob:a/b', /contains "\/"/],
  ['regexp:(', /invalid regular expression "\("/],
  ['regexp:(a)\\1', /backreference/],
  ['regexp:^(?:a|a)*(?=b)', /lookahead/],
  ['regexp:^v1|', /matches the empty string/],
  ['numerical:^(?<n>\\d*)$', /matches the empty string/],
  [`regexp:${'a'.repeat(300)}`, /longer than 256/],
  ['regexp:(?<a>x)(?<b>y)', /several named groups \(a, b\)/],
  ['alphabetical:', /needs asc, desc or a regular expression/],
  ['numerical:[', /invalid regular expression/],
  ['major:1', /"major" takes no argument/],
  ['digest:not a tag', /"not a tag" is not a valid tag/],
  [`semver:${'1'.repeat(600)}`, /longer than 512/],
] as const) {
  test(`parse: "${text.slice(0, 40)}" is rejected with a reason`, () => {
    assert.throws(
      () => parsePolicy(text),
      (error: unknown) => error instanceof PolicyError && message.test(error.message),
    );
  });
}

test('parse: an error names the policy text', () => {
  assert.throws(() => parsePolicy('semver:>2 <1'), /invalid policy "semver:>2 <1"/);
});

for (const pattern of ['^\\d+(\\.\\d+)*$', '^v(?:-[a-z0-9]+)+$', '^(?<n>\\d+)$', '^a+b*$', '(ab)+', '^(release|main)-\\d+$', '(a+)+$', '(\\w*)*x', '(\\d+){2,}', '^(?P<n>\\d+)$']) {
  test(`parse: the regex /${pattern}/ is accepted`, () => assert.equal(parsePolicy(`regexp:${pattern}`).kind, 'regexp'));
}

for (const [text, needs] of [
  ['semver:^1', { created: false, digests: false, platforms: false }],
  ['minor', { created: false, digests: false, platforms: false }],
  ['alphabetical', { created: false, digests: false, platforms: false }],
  ['numerical', { created: false, digests: false, platforms: false }],
  ['regexp:^b(?<n>\\d+)$', { created: false, digests: false, platforms: false }],
  ['glob:*', { created: true, digests: false, platforms: false }],
  ['regexp:^main-', { created: true, digests: false, platforms: false }],
  ['digest:stable', { created: false, digests: true, platforms: false }],
] as const) {
  test(`needs: ${text} needs ${JSON.stringify(needs)}`, () => assert.deepEqual(policyNeeds(parsePolicy(text)), needs));
}

test('needs: a minimum age needs build times and a platform filter needs platforms', () => {
  const policy = withFilters(parsePolicy('semver:^1'), parseFilters({ minAge: '1h', platforms: 'linux/amd64' }));
  assert.deepEqual(policyNeeds(policy), { created: true, digests: false, platforms: true });
});

test('contract: policy.ts exports parsePolicy, policyNeeds and selectTag, as callers import them', async () => {
  const module = await import('../../src/policy/policy.ts');
  assert.deepEqual([typeof module.parsePolicy, typeof module.policyNeeds, typeof module.selectTag], ['function', 'function', 'function']);
});
