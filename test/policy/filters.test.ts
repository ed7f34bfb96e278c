import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseFilters, parsePolicy, selectTag, withFilters, type FilterTexts } from '../../src/policy/index.ts';
import { built, runCases } from './cases.ts';

const filtered = (policy: string, texts: FilterTexts) => withFilters(parsePolicy(policy), parseFilters(texts));
const NOW = '2026-01-10T00:00:00Z';

runCases('filters', [
  { name: 'an ignored tag is never selected', policy: filtered('semver:>=1.0.0-0', { ignore: '*-beta*, 2.*' }), tags: ['1.0.0', '1.1.0-beta.1', '2.0.0'], selected: '1.0.0', rejected: { '2.0.0': 'ignored', '1.1.0-beta.1': 'ignored' } },
  { name: 'ignore takes regexp: items', policy: filtered('semver:*', { ignore: 'regexp:^1\\.5\\.' }), tags: ['1.5.1', '1.4.0'], selected: '1.4.0', rejected: { '1.5.1': 'ignored' } },
  { name: 'min-age rejects builds younger than the soak time', policy: filtered('semver:*', { minAge: '2d' }), now: NOW, tags: [built('1.0.0', 1), built('1.1.0', 9)], selected: '1.0.0', rejected: { '1.1.0': 'too-young' } },
  { name: 'min-age rejects tags without a build time', policy: filtered('semver:*', { minAge: '1h' }), now: NOW, tags: ['1.0.0'], selected: null, rejected: { '1.0.0': 'unknown-build-time' } },
  {
    name: 'platforms require every listed platform',
    policy: filtered('semver:*', { platforms: 'linux/amd64,linux/arm64' }),
    tags: [
      { tag: '1.0.0', platforms: ['linux/amd64', 'linux/arm64/v8'] },
      { tag: '1.1.0', platforms: ['linux/amd64'] },
    ],
    selected: '1.0.0',
    rejected: { '1.1.0': 'missing-platform' },
  },
  { name: 'a required variant must match exactly', policy: filtered('semver:*', { platforms: 'linux/arm/v7' }), tags: [{ tag: '1.0.0', platforms: ['linux/arm/v6'] }], selected: null, rejected: { '1.0.0': 'missing-platform' } },
  { name: 'a tag without a platform list misses every platform', policy: filtered('semver:*', { platforms: 'linux/amd64' }), tags: ['1.0.0'], selected: null, rejected: { '1.0.0': 'missing-platform' } },
  { name: 'the current tag itself is not filtered (no downgrade below an ignored current)', policy: filtered('semver:*', { ignore: '1.9.*' }), tags: ['1.2.0', '1.9.0'], current: '1.9.0', selected: '1.9.0', changed: false },
]);

test('filters: durations add up their units', () => {
  assert.equal(parseDuration('1d12h'), 36 * 3_600_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2w'), 14 * 86_400_000);
});

for (const [texts, message] of [
  [{ minAge: '3 days' }, /invalid duration "3 days"/],
  [{ minAge: '-1h' }, /invalid duration/],
  [{ platforms: 'amd64' }, /invalid platform "amd64"/],
  [{ ignore: ' , ' }, /no pattern/],
  [{ ignore: 'regexp:^(?!v)' }, /ignore pattern "regexp:\^\(\?!v\)": .*negative lookahead/],
  [{ ignore: '{a,b}-*' }, /ignore pattern "\{a": .*never closed/],
  [{ ignore: 'a/b' }, /contains "\/"/],
] as [FilterTexts, RegExp][]) {
  test(`filters: ${JSON.stringify(texts)} is an error`, () => assert.throws(() => parseFilters(texts), message));
}

test('filters: a selection without options measures age against the time of the call', () => {
  const policy = filtered('semver:*', { minAge: '1h' });
  const selection = selectTag(policy, [{ tag: '1.0.0', created: new Date(Date.now() - 60_000) }]);
  assert.equal(selection.rejected[0]?.reason, 'too-young');
});
