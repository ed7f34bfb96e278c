import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, selectTag, withDowngrade } from '../../src/policy/index.ts';
import { runCases, tagList } from './cases.ts';

runCases('semver', [
  { name: 'picks the highest tag inside the range', policy: 'semver:~1.2', tags: ['1.2.0', '1.2.9', '1.3.0', 'latest'], current: '1.2.0', selected: '1.2.9', changed: true },
  { name: 'never downgrades the current tag', policy: 'semver:^1', tags: ['1.0.0', '1.1.0'], current: '1.5.0', selected: '1.5.0', changed: false, rejected: { '1.1.0': 'older-than-current' } },
  { name: 'keeps a current tag outside the range when it is newer', policy: 'semver:^1', tags: ['1.9.0'], current: '2.0.0', selected: '2.0.0', changed: false },
  { name: 'moves a current tag below the range up into it', policy: 'semver:^1', tags: ['0.9.0', '1.4.0'], current: '0.9.0', selected: '1.4.0', changed: true },
  { name: 'replaces a current tag that is not a version', policy: 'semver:*', tags: ['1.0.0', '2.0.0'], current: 'latest', selected: '2.0.0', changed: true },
  { name: 'selects nothing from an empty list', policy: 'semver:*', tags: [], selected: null, changed: false },
  { name: 'reads a v prefix', policy: 'semver:^1', tags: ['v1.2.3', 'v1.10.0'], selected: 'v1.10.0' },
  { name: 'reads one-part versions', policy: 'semver:>=2', tags: ['2', '2.1', '10'], current: '2', selected: '10', rejected: { '2.1': 'other-precision' } },
  { name: 'reads two-part versions', policy: 'semver:>=2', tags: ['2', '2.1', '10'], current: '2.0', selected: '2.1', rejected: { '10': 'other-precision' } },
  { name: 'orders four-part versions numerically part by part', policy: 'semver:^1.2', tags: ['1.2.3.9', '1.2.3.10', '1.2.3'], selected: '1.2.3.10' },
  { name: 'matches four-part versions against the range on the first three parts', policy: 'semver:<1.2.4', tags: ['1.2.3.7', '1.2.4.0'], selected: '1.2.3.7', rejected: { '1.2.4.0': 'outside-range' } },
  { name: 'reads commas in a range as "and" (Masterminds semver, as Flux writes ranges)', policy: 'semver:>=1.2, <2', tags: ['1.1.0', '1.9.0', '2.0.0'], selected: '1.9.0', rejected: { '1.1.0': 'outside-range' } },
  { name: 'reads zero-padded calver, in tags and in the range', policy: 'semver:>=2022.04', tags: ['2022.04.1', '2022.03.9', '2022.10.0'], selected: '2022.10.0', rejected: { '2022.03.9': 'outside-range' } },
  { name: 'skips tags that are not versions', policy: 'semver:*', tags: ['latest', 'main-abc', '1.0.0'], selected: '1.0.0', rejected: { latest: 'not-a-version', 'main-abc': 'not-a-version' } },
  { name: 'rejects tags outside the OCI grammar', policy: 'semver:*', tags: ['1.0.0', '-1.1.0', `1.${'0'.repeat(130)}`], selected: '1.0.0', rejected: { '-1.1.0': 'invalid-tag' } },
  { name: 'excludes prereleases when the range names none', policy: 'semver:^1', tags: ['1.1.0', '1.2.0-rc.1'], selected: '1.1.0', rejected: { '1.2.0-rc.1': 'prerelease-excluded' } },
  { name: 'reports a prerelease outside the range as outside the range', policy: 'semver:^1', tags: ['2.0.0-rc.1'], selected: null, rejected: { '2.0.0-rc.1': 'outside-range' } },
  { name: 'includes prereleases when the range names one', policy: 'semver:>=1.2.0-0', tags: ['1.2.0-rc.1', '1.1.0', '1.3.0-beta.1'], selected: '1.3.0-beta.1' },
  { name: 'orders prerelease text numeric-aware (rc9 < rc10)', policy: 'semver:>=1.0.0-0 <2', tags: ['1.0.0-rc9', '1.0.0-rc10', '1.0.0-rc2'], selected: '1.0.0-rc10' },
  { name: 'orders numeric prerelease identifiers numerically (alpha.2 < alpha.10)', policy: 'semver:>=1.0.0-0', tags: ['1.0.0-alpha.2', '1.0.0-alpha.10'], selected: '1.0.0-alpha.10' },
  { name: 'ranks a release above its prereleases', policy: 'semver:>=1.0.0-0', tags: ['1.0.0-rc.3', '1.0.0'], selected: '1.0.0' },
  { name: 'keeps the current spelling of an equal version (1.10 is not rewritten to 1.10.0)', policy: 'semver:^1 precision=any', tags: ['1.10', '1.10.0', 'v1.10.0'], current: '1.10', selected: '1.10', changed: false, rejected: { '1.10.0': 'equal-to-current', 'v1.10.0': 'equal-to-current' } },
  { name: 'keeps the current precision by default (1.10 is not moved to 1.10.0 or 1.11.0)', policy: 'semver:^1', tags: ['1.10', '1.10.0', '1.11.0'], current: '1.10', selected: '1.10', changed: false, rejected: { '1.10.0': 'other-precision', '1.11.0': 'other-precision' } },
  { name: 'keeps the current spelling even when the current tag is not listed', policy: 'semver:^1', tags: ['1.10.0'], current: 'v1.10', selected: 'v1.10', changed: false },
  { name: 'prefers the most explicit spelling among equal versions', policy: 'semver:^1 precision=any', tags: ['1.10', 'v1.10.0', '1.10.0'], selected: '1.10.0', rejected: { '1.10': 'not-newest', 'v1.10.0': 'not-newest' } },
  { name: 'explains lower candidates as not newest', policy: 'semver:^1', tags: ['1.0.0', '1.1.0'], selected: '1.1.0', rejected: { '1.0.0': 'not-newest' } },
  { name: 'accepts an npm hyphen range', policy: 'semver:1.2 - 1.4', tags: ['1.4.9', '1.5.0'], selected: '1.4.9' },
  { name: 'accepts an npm "or" range', policy: 'semver:~1.2 || ~2.0', tags: ['1.2.5', '1.3.0', '2.0.1', '2.1.0'], selected: '2.0.1' },
]);

test('semver: a selection lists every other tag exactly once, in input order', () => {
  const selection = selectTag(parsePolicy('semver:^1'), tagList(['latest', '1.0.0', '1.1.0', '2.0.0']));
  assert.deepEqual(
    selection.rejected.map((r) => r.tag),
    ['latest', '1.0.0', '2.0.0'],
  );
});

test('semver: a tag listed twice is explained twice and selected once', () => {
  const selection = selectTag(parsePolicy('semver:^1'), tagList(['1.0.0', '1.1.0', '1.0.0', '1.1.0']));
  assert.equal(selection.selected, '1.1.0');
  assert.deepEqual(
    selection.rejected.map((r) => r.tag),
    ['1.0.0', '1.0.0'],
  );
});

runCases('semver with allow-downgrade', [
  { name: 'moves below the current tag to the best candidate when asked', policy: withDowngrade(parsePolicy('semver:^1')), tags: ['1.8.0', '1.9.0', '2.0.0'], current: '2.0.0', selected: '1.9.0', changed: true, rejected: { '1.8.0': 'not-newest', '2.0.0': 'outside-range' } },
  { name: 'still keeps an equal version as written', policy: withDowngrade(parsePolicy('semver:^1')), tags: ['1.9.0'], current: 'v1.9', selected: 'v1.9', changed: false },
  { name: 'still moves up', policy: withDowngrade(parsePolicy('semver:^1')), tags: ['1.9.0'], current: '1.2.0', selected: '1.9.0', changed: true },
  { name: 'keeps the current tag when nothing qualifies', policy: withDowngrade(parsePolicy('semver:^1')), tags: ['2.0.0'], current: '2.0.0', selected: '2.0.0', changed: false },
]);

test('semver: a tag entry that is not a string is rejected, not read as "undefined"', () => {
  const malformed = [{ tag: undefined }, { tag: 7 }, { tag: '1.0.0' }] as unknown as { tag: string }[];
  const selection = selectTag(parsePolicy('semver:*'), malformed);
  assert.equal(selection.selected, '1.0.0');
  assert.deepEqual(
    selection.rejected.map((r) => r.reason),
    ['invalid-tag', 'invalid-tag'],
  );
});
