/**
 * The optimised engine (one pass, verdicts per tag, parsed forms kept per list, reasons made when
 * read) selects and explains exactly as the engine did before it, kept in test/policy/oracle/:
 * over random tag lists for every policy kind, with filters, current tags and downgrades, on lists
 * long enough for the per-list memo, selected twice over the same list and after it changed. A
 * first selection turns most tags down unread and explains them when asked (ranking.ts,
 * `UNEXPLAINED`): asked by reason or whole, it says what the engine before said.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRegex, coreAtLeast, hasRejection, parseVersion, type Version, parseFilters, parsePolicy, rejectionsWith, selectTag, withDowngrade, withFilters, type Policy, type RejectReason, type Selection, type TagInfo } from '../../src/policy/index.ts';
import { selectTag as oracleSelect } from './oracle/select.ts';

const POLICIES = [
  'semver:*',
  'semver:^1',
  'semver:>=1.0.0-0',
  'semver:~1.2 variant=any',
  'semver:^1 precision=any prerelease=any',
  'semver:* variant=plain',
  'minor variant=alpine3\\.\\d+ precision=any',
  'minor variant=any',
  'patch variant=any precision=any',
  'major precision=any',
  'semver:>=1.2.0-rc.1 <2.0.0-0 variant=any',
  'semver:1.2.3-rc.2 || >=3.1 variant=any precision=any',
  'major',
  'minor',
  'patch',
  'all',
  'patch precision=2',
  'glob:*',
  'glob:1.*',
  'glob:{main,release}-[0-9]*',
  'regexp:^v',
  'regexp:(?<n>\\d+)$',
  'regexp:^(?<branch>[a-z]+)-(?<order>\\d+)',
  'alphabetical',
  'alphabetical:desc',
  'alphabetical:^main-(?<ts>\\d+)',
  'numerical',
  'numerical:desc:^(?<n>\\d+)',
  'numerical:asc:^b(?<n>[\\d.]+)$',
  'digest',
  'digest:stable',
];

const VARIANTS = ['', '', '', 'alpine', 'alpine3.19', 'alpine3.20', 'slim-bookworm', 'debian-12'];
const versionTag = fc
  .tuple(fc.boolean(), fc.array(fc.nat(12), { minLength: 1, maxLength: 4 }), fc.option(fc.constantFrom('-rc.1', '-rc2', 'rc1', '-beta.3', '-alpha')), fc.constantFrom(...VARIANTS), fc.option(fc.constantFrom('-ls12', '-ls9', '-r3', '-1')))
  .map(([v, parts, pre, variant, counter]) => `${v ? 'v' : ''}${parts.join('.')}${pre ?? ''}${variant === '' ? '' : `-${variant}`}${counter ?? ''}`);
const otherTag = fc.oneof(
  fc.constantFrom('latest', 'stable', 'alpine', '20240215', '3050', '3f2a1b9', 'main-12', 'release-7', 'b1.5', 'b10', 'dev-9'),
  fc.nat(99).map((n) => `main-${n}-abc`),
  fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,10}$/),
);
// `1.2.3-x…` reads as a version, yet is one character longer than a tag may be.
const invalidTag = fc.constantFrom('', '-x', 'a b', 'x'.repeat(129), 'ümlaut', `1.2.3-${'x'.repeat(123)}`);
const tagName = fc.oneof({ arbitrary: versionTag, weight: 6 }, { arbitrary: otherTag, weight: 3 }, { arbitrary: invalidTag, weight: 1 });
const DIGESTS = ['sha256:aaaa', 'sha256:bbbb'];
const tagInfo = fc
  .record({
    tag: tagName,
    created: fc.option(
      fc.integer({ min: 0, max: 20 }).map((day) => new Date(Date.UTC(2026, 0, 1 + day))),
      { nil: undefined },
    ),
    digest: fc.option(fc.constantFrom(...DIGESTS), { nil: undefined }),
    platforms: fc.option(fc.subarray(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']), { nil: undefined }),
    signature: fc.option(fc.constantFrom({ status: 'valid' as const }, { status: 'unsigned' as const }, { status: 'bad-signature' as const, detail: 'key x' }), { nil: undefined }),
  })
  .map((fields): TagInfo => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as unknown as TagInfo);
/** Short lists, and lists of 64 to 150 tags, past the memo's threshold; duplicates allowed, as a hostile registry may send them. */
const tagList = fc.oneof(fc.array(tagInfo, { maxLength: 20 }), fc.array(tagInfo, { minLength: 64, maxLength: 150, size: 'max' }));
const FILTERS = [{}, { ignore: '*-rc*, 2.*' }, { ignore: 'regexp:^main-' }, { minAge: '5d' }, { platforms: 'linux/arm64' }, { signature: 'cosign' }, { ignore: 'v*', minAge: '2d', platforms: 'linux/amd64,linux/arm64' }];
const NOW = new Date(Date.UTC(2026, 0, 15));

function policyOf(text: string, filters: number, downgrade: boolean, extract: boolean): Policy {
  let policy = parsePolicy(text);
  if (extract && policy.kind === 'semver') policy = { ...policy, extract: { regex: compileRegex('^v?(?<v>[0-9.]+)'), template: '$v' } };
  if (extract && (policy.kind === 'alphabetical' || policy.kind === 'numerical')) policy = { ...policy, regex: compileRegex('^(?<a>[a-z]+)-(?<b>\\d+)'), template: '$b-$a' };
  policy = withFilters(policy, parseFilters(FILTERS[filters] ?? {}));
  return downgrade ? withDowngrade(policy) : policy;
}

/** Everything a Selection says, as a plain object (the rejections read through the lazy getter). */
function plain(selection: Selection): Record<string, unknown> {
  return Object.fromEntries(Object.keys(selection).map((key) => [key, selection[key as keyof Selection]]));
}

const REASONS: RejectReason[] = [
  'invalid-tag',
  'not-a-version',
  'commit-hash',
  'other-variant',
  'other-precision',
  'build-number',
  'outside-range',
  'prerelease-excluded',
  'filter-mismatch',
  'too-young',
  'ignored',
  'missing-platform',
  'unsigned',
  'not-newest',
  'older-than-current',
  'equal-to-current',
  'current-unranked',
  'missing-digest',
];

/**
 * What `rejectionsWith` and `hasRejection` say for each reason, each asked first of a selection
 * `select` makes (a look for one reason explains what it must, so it could hide another's).
 */
function byReason(select: () => Selection, expected: Record<string, unknown>, when: string): void {
  for (const reason of REASONS) {
    const listed = (expected.rejected as { tag: string; reason: string }[]).filter((r) => r.reason === reason);
    assert.equal(hasRejection(select(), reason), listed.length > 0, `hasRejection ${reason}, ${when}`);
    assert.deepEqual(rejectionsWith(select(), reason), listed, `rejectionsWith ${reason}, ${when}`);
    const among = (tag: string) => coreAtLeast(tag, FLOOR);
    assert.deepEqual(
      rejectionsWith(select(), reason, among),
      listed.filter((r) => among(r.tag)),
      `rejectionsWith ${reason} among tags no lower than 1.2, ${when}`,
    );
  }
}

const FLOOR = parseVersion('1.2') as Version;

const input = fc.record({
  text: fc.constantFrom(...POLICIES),
  filters: fc.nat(FILTERS.length - 1),
  downgrade: fc.boolean(),
  extract: fc.boolean(),
  tags: tagList,
  current: fc.option(fc.oneof(tagName, fc.constantFrom('1.2.3', '1.2.3-alpine', '1.2', 'stable', 'main-5-abc')), { nil: undefined }),
  currentDigest: fc.option(fc.constantFrom(...DIGESTS), { nil: undefined }),
  pickCurrent: fc.nat(),
});

test('oracle: every selection and explanation is the one the engine before made', () => {
  fc.assert(
    fc.property(input, ({ text, filters, downgrade, extract, tags, current, currentDigest, pickCurrent }) => {
      const policy = policyOf(text, filters, downgrade, extract);
      // Often the current tag is one of the list, as in a real slot.
      const tag = tags.length > 0 && pickCurrent % 3 === 0 ? tags[pickCurrent % tags.length]?.tag : current;
      const slot = currentDigest === undefined ? { tag } : { tag, digest: currentDigest };
      const expected = plain(oracleSelect(policy, tags, slot, { now: NOW }));
      // A first selection leaves unexplained the tags it turned down unread: asked by reason, they are explained.
      byReason(() => selectTag(policy, tags.slice(), slot, { now: NOW }), expected, 'first selection, before its list is read');
      assert.deepEqual(plain(selectTag(policy, tags, slot, { now: NOW })), expected, 'first selection over the list');
      // The second selection keeps what the list's tags are; the third reads it.
      assert.deepEqual(plain(selectTag(policy, tags, slot, { now: NOW })), expected, 'second selection over the list');
      byReason(() => selectTag(policy, tags, slot, { now: NOW }), expected, 'again over the same list (its memo), before its list is read');
      assert.deepEqual(plain(selectTag(policy, tags, slot, { now: NOW })), expected, 'again over the same list (its memo)');
    }),
    { seed: 11_2026, numRuns: 600 },
  );
});

test('oracle: a list changed after a selection is read again, not from its memo', () => {
  fc.assert(
    fc.property(input, fc.nat(), (case_, seed) => {
      const policy = policyOf(case_.text, case_.filters, case_.downgrade, case_.extract);
      const tags = [...case_.tags];
      const slot = { tag: case_.current };
      selectTag(policy, tags, slot, { now: NOW });
      selectTag(policy, tags, slot, { now: NOW });
      if (tags.length > 0) tags[seed % tags.length] = { tag: `${9 + (seed % 5)}.0.0` };
      tags.push({ tag: '99.0.0', created: NOW });
      assert.deepEqual(plain(selectTag(policy, tags, slot, { now: NOW })), plain(oracleSelect(policy, tags, slot, { now: NOW })));
    }),
    { seed: 12_2026, numRuns: 200 },
  );
});

test('oracle: the bench lists of 10,000 tags select and explain as before, for every policy of the bench', async () => {
  const tags: TagInfo[] = [];
  for (let i = 0; i < 10_000; i++) tags.push({ tag: i % 7 === 0 ? `main-${i}-abc` : `${i % 4}.${i % 30}.${i % 60}${['', '-alpine', '-rc.1', '-ls3', '-alpine3.19'][i % 5] ?? ''}`, created: new Date(Date.UTC(2025, 0, 1 + (i % 300))) });
  for (const text of POLICIES) {
    for (const current of [undefined, '1.2.3', '1.2.3-alpine']) {
      const policy = policyOf(text, 0, false, false);
      const expected = plain(oracleSelect(policy, tags, { tag: current }, { now: NOW }));
      // Each policy after the first reads what the list's first two selections kept.
      assert.deepEqual(plain(selectTag(policy, tags, { tag: current }, { now: NOW })), expected, `${text} from ${current}`);
    }
  }
});
