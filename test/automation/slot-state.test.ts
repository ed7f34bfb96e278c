import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSlot, RejectedTags, slotStates, type Problem, type SlotState } from '../../src/automation/index.ts';
import type { ImageSlot } from '../../src/manifests/index.ts';
import { parseFilters, parsePolicy, UNLOCKED, withFilters, type TagInfo } from '../../src/policy/index.ts';
import { RegistryError } from '../../src/registry/index.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const slot = (overrides: Partial<ImageSlot> = {}): ImageSlot => ({
  file: 'apps/web.yaml',
  line: 12,
  kind: 'container',
  workload: 'shop:deployment/web',
  container: 'web',
  image: 'reg:5000/shop/web:1.0.0',
  policy: parsePolicy('semver:^1'),
  lock: UNLOCKED,
  fields: [],
  ...overrides,
});
const BASE = { file: 'apps/web.yaml', line: 12, kind: 'container', workload: 'shop:deployment/web', container: 'web', repository: 'reg:5000/shop/web', current: '1.0.0', policy: 'semver:^1' } as const;
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const TAGS: TagInfo[] = [
  { tag: '1.0.0', created: hoursAgo(48) },
  { tag: '1.1.0', created: hoursAgo(1) },
];

/** The state of one slot as the cycle decides it (decideSlot), with the given tags. */
function stateOf(s: ImageSlot, tags: TagInfo[] | Error = TAGS, rejected?: RejectedTags): SlotState {
  const tagsFor = () => tags;
  return slotStates([s], [decideSlot(s, tagsFor, NOW)], { tagsFor: () => tagsFor, rejected, now: NOW })[0]!;
}

test('a slot the policy moves has the new tag as its candidate and no hold', () => {
  assert.deepEqual(stateOf(slot()), { ...BASE, candidate: '1.1.0' });
});

test('a slot already on its best tag has neither candidate nor hold', () => {
  assert.deepEqual(stateOf(slot({ image: 'reg:5000/shop/web:1.1.0' })), { ...BASE, current: '1.1.0' });
});

test('a locked slot holds with who, why and since from its annotations', () => {
  const lock = { locked: true, by: 'ana', reason: 'incident <42>', at: '2026-11-30T08:00:00Z' };
  assert.deepEqual(stateOf(slot({ lock })).hold, { kind: 'locked', code: 'locked', reason: 'incident <42>', by: 'ana', since: '2026-11-30T08:00:00Z' });
});

test('a locked slot without a reason says so', () => {
  assert.equal(stateOf(slot({ lock: { locked: true } })).hold?.reason, 'locked (no reason given)');
});

test('a tag younger than the minimum age is the candidate, soaking until it is old enough', () => {
  const policy = withFilters(parsePolicy('semver:^1'), parseFilters({ minAge: '2h' }));
  const state = stateOf(slot({ policy }));
  assert.equal(state.candidate, '1.1.0');
  assert.deepEqual(state.hold, { kind: 'soaking', code: 'soaking', reason: '1.1.0 is younger than the minimum age (2h)', until: new Date(hoursAgo(1).getTime() + 2 * 3_600_000).toISOString() });
});

test('a minimum age that every newer tag passes holds nothing', () => {
  const policy = withFilters(parsePolicy('semver:^1'), parseFilters({ minAge: '30m' }));
  assert.deepEqual(stateOf(slot({ policy })), { ...BASE, candidate: '1.1.0', policy: 'semver:^1' });
});

const problemCases: { name: string; tags: Error; kind: string; code: string }[] = [
  { name: 'an unreachable registry', tags: new RegistryError('reg:5000/shop/web', 'cannot reach registry', { code: 'registry-unreachable' }), kind: 'registry', code: 'registry-unreachable' },
  { name: 'a rate limit', tags: new RegistryError('reg:5000/shop/web', 'answered 429', { code: 'rate-limited' }), kind: 'registry', code: 'rate-limited' },
  { name: 'an error that is not ours', tags: new Error('boom'), kind: 'problem', code: 'internal' },
];
for (const c of problemCases) {
  test(`${c.name} holds the slot as a ${c.kind} hold with code ${c.code}`, () => {
    const hold = stateOf(slot(), c.tags).hold;
    assert.equal(hold?.kind, c.kind);
    assert.equal(hold?.code, c.code);
    assert.match(hold?.reason ?? '', new RegExp(c.tags.message));
  });
}

test('a candidate a person turned down is held as rejected, naming where', () => {
  const rejected = new RejectedTags([{ slot: 'shop:deployment/web web', tag: '1.1.0', source: 'https://git.example/pr/7' }]);
  const state = stateOf(slot(), TAGS, rejected);
  assert.equal(state.candidate, '1.1.0');
  assert.deepEqual(state.hold, { kind: 'rejected', code: 'tag-rejected', reason: 'held at 1.0.0: 1.1.0 rejected in https://git.example/pr/7' });
});

test('a pinned slot shows tag@digest as its current value', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.equal(stateOf(slot({ image: `reg:5000/shop/web:1.1.0@${digest}` }), [{ tag: '1.1.0', digest }]).current, `1.1.0@${digest}`);
});

test('the states follow the slots one to one, problems included', () => {
  const problem: Problem = { code: 'current-tag-unranked', subject: 'x', message: 'held' };
  const states = slotStates([slot(), slot({ line: 30 })], [undefined, problem], { tagsFor: () => () => TAGS, now: NOW });
  assert.deepEqual(
    states.map((s) => [s.line, s.hold?.kind]),
    [
      [12, undefined],
      [30, 'problem'],
    ],
  );
});
