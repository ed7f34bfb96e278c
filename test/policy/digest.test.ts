import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilters, parsePolicy, selectTag, withFilters } from '../../src/policy/index.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const tags = [
  { tag: 'stable', digest: B },
  { tag: 'latest', digest: A },
  { tag: '1.0.0', digest: A },
];

test('digest: selects the followed tag and the digest it points to now', () => {
  const selection = selectTag(parsePolicy('digest:stable'), tags, { tag: 'stable', digest: A });
  assert.deepEqual([selection.selected, selection.digest, selection.changed], ['stable', B, true]);
});

test('digest: is unchanged while the tag still points to the pinned digest', () => {
  const selection = selectTag(parsePolicy('digest:stable'), tags, { tag: 'stable', digest: B });
  assert.deepEqual([selection.selected, selection.digest, selection.changed], ['stable', B, false]);
});

test('digest: changes a slot that holds another tag to the followed tag', () => {
  const selection = selectTag(parsePolicy('digest:stable'), tags, { tag: '1.0.0' });
  assert.deepEqual([selection.selected, selection.changed], ['stable', true]);
});

test('digest: explains every other tag as not followed', () => {
  const selection = selectTag(parsePolicy('digest:stable'), tags, {});
  assert.deepEqual(
    selection.rejected.map((r) => [r.tag, r.reason]),
    [
      ['latest', 'filter-mismatch'],
      ['1.0.0', 'filter-mismatch'],
    ],
  );
});

test('digest: without a tag follows the tag the slot holds', () => {
  const selection = selectTag(parsePolicy('digest'), tags, { tag: 'latest', digest: B });
  assert.deepEqual([selection.selected, selection.digest, selection.changed], ['latest', A, true]);
});

test('digest: keeps the slot when the followed tag is gone', () => {
  const selection = selectTag(parsePolicy('digest:gone'), tags, { tag: 'gone', digest: A });
  assert.deepEqual([selection.selected, selection.digest, selection.changed], ['gone', A, false]);
});

test('digest: keeps the slot when the registry gave no digest for the tag', () => {
  const selection = selectTag(parsePolicy('digest:stable'), [{ tag: 'stable' }], { tag: 'stable', digest: A });
  assert.equal(selection.changed, false);
  assert.equal(selection.rejected[0]?.reason, 'missing-digest');
});

test('digest: filters apply to the followed tag (a too-young image is not pinned)', () => {
  const policy = withFilters(parsePolicy('digest:stable'), parseFilters({ minAge: '1d' }));
  const fresh = [{ tag: 'stable', digest: B, created: new Date('2026-01-10T00:00:00Z') }];
  const selection = selectTag(policy, fresh, { tag: 'stable', digest: A }, { now: new Date('2026-01-10T06:00:00Z') });
  assert.deepEqual([selection.digest, selection.changed, selection.rejected[0]?.reason], [A, false, 'too-young']);
});
