import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pino from 'pino';
import { plan, RejectedTags, type CycleDeps } from '../../src/automation/index.ts';
import { HOLD_PRECEDENCE, type HoldCode } from '../../src/automation/holds.ts';
import { parseFreezeWindow, type OnRevert } from '../../src/policy/index.ts';
import { FakeTagSource, type TagEntry } from '../fakes/tag-source.ts';
import { InMemoryRepository } from '../fakes/repository.ts';
import { webManifest } from '../fakes/web-manifest.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const old = (tag: string): TagEntry => ({ tag, created: hoursAgo(48) });
const young = (tag: string): TagEntry => ({ tag, created: hoursAgo(1) });
const SLOT = 'shop:deployment/web web';
const FROZEN = parseFreezeWindow('2026-11-30 .. 2026-12-03 UTC');

const manifest = (tag: string, policy: string, annotations: string[]) => webManifest(tag, ['tagpilot.io/min-age.web: 2h', ...annotations], policy);

interface Setup {
  tags: TagEntry[];
  current?: string;
  policy?: string;
  annotations?: string[];
  frozen?: boolean;
  rejected?: string[];
  /** The repository's `.tagpilot.yaml`. */
  settings?: string;
  /** The automation's on-revert default. */
  onRevert?: OnRevert;
}

async function planned(s: Setup) {
  const repo = new InMemoryRepository({ 'web.yaml': manifest(s.current ?? '1.0.0', s.policy ?? 'semver:^1', s.annotations ?? []), ...(s.settings === undefined ? {} : { '.tagpilot.yaml': s.settings }) });
  const deps: CycleDeps = {
    repo,
    tags: new FakeTagSource({ 'reg.local/shop/web': s.tags }),
    branch: 'main',
    paths: ['.'],
    author: { name: 'tagpilot', email: 'bot@example.com' },
    log: pino({ level: 'silent' }),
    now: () => NOW,
    ...(s.frozen === true ? { freeze: [FROZEN] } : {}),
    ...(s.onRevert === undefined ? {} : { onRevert: s.onRevert }),
    ...(s.rejected === undefined ? {} : { rejected: new RejectedTags(s.rejected.map((tag) => ({ slot: SLOT, tag, source: 'https://git.example/pr/7' }))) }),
  };
  return plan(deps);
}

const LOCKED = ['tagpilot.io/locked: "true"', 'tagpilot.io/locked-by: Ana', 'tagpilot.io/locked-reason: incident 4711', 'tagpilot.io/locked-at: "2026-11-30T08:00:00Z"'];

const cases: { name: string; setup: Setup; code: HoldCode; kind: string; candidate: string | undefined; message: RegExp; until?: string }[] = [
  { name: 'a locked slot: who, why and since', setup: { tags: [old('1.0.0'), old('1.1.0')], annotations: LOCKED }, code: 'locked', kind: 'locked', candidate: undefined, message: /^locked by Ana: incident 4711 \(since 2026-11-30T08:00:00Z\)$/ },
  {
    name: 'a candidate in a freeze window: frozen until its end, with the window',
    setup: { tags: [old('1.0.0'), old('1.1.0')], frozen: true },
    code: 'frozen',
    kind: 'frozen',
    candidate: '1.1.0',
    message: /^1\.1\.0 waits: frozen until 2026-12-03T00:00:00\.000Z \(2026-11-30 \.\. 2026-12-03 UTC, the automation's config\)$/,
    until: '2026-12-03T00:00:00.000Z',
  },
  { name: 'a soaking tag in a freeze window: frozen, the soaking tag waits', setup: { tags: [old('1.0.0'), young('1.1.0')], frozen: true }, code: 'frozen', kind: 'frozen', candidate: '1.1.0', message: /^1\.1\.0 waits: frozen until/, until: '2026-12-03T00:00:00.000Z' },
  { name: 'a candidate a person turned down: rejected, naming where', setup: { tags: [old('1.0.0'), old('1.1.0')], rejected: ['1.1.0'] }, code: 'tag-rejected', kind: 'rejected', candidate: '1.1.0', message: /^held at 1\.0\.0: 1\.1\.0 rejected in https:\/\/git\.example\/pr\/7$/ },
  {
    name: 'a tag younger than the minimum age: soaking until it is old enough',
    setup: { tags: [old('1.0.0'), young('1.1.0')] },
    code: 'soaking',
    kind: 'soaking',
    candidate: '1.1.0',
    message: /^1\.1\.0 is younger than the minimum age \(2h\): soaking until 2026-12-01T13:00:00\.000Z$/,
    until: '2026-12-01T13:00:00.000Z',
  },
  { name: 'a new major under semver:^1: out of range', setup: { tags: [old('1.0.0'), old('2.0.0'), old('3.0.0'), old('0.9.0')] }, code: 'out-of-range', kind: 'out-of-range', candidate: '3.0.0', message: /^3\.0\.0 is out of range of semver:\^1: widen the policy to take it$/ },
  { name: 'a new minor under the patch policy: out of range', setup: { tags: [old('1.0.0'), old('1.1.0')], policy: 'patch' }, code: 'out-of-range', kind: 'out-of-range', candidate: '1.1.0', message: /out of range of patch/ },
  {
    name: 'a newer version only in another variant: other variant',
    setup: { tags: [old('1.0.0'), old('1.3.0-alpine'), old('1.2.0-alpine')] },
    code: 'other-variant',
    kind: 'other-variant',
    candidate: '1.3.0-alpine',
    message: /^1\.3\.0-alpine is another variant \(current 1\.0\.0 is the plain variant\): the slot keeps to its own$/,
  },
];

for (const c of cases) {
  test(`hold: ${c.name} (${c.code}), in the plan's holds and the slot's state alike`, async () => {
    const result = await planned(c.setup);
    assert.deepEqual(result.changes, []);
    assert.equal(result.holds.length, 1, JSON.stringify(result.holds));
    const hold = result.holds[0]!;
    assert.equal(hold.code, c.code);
    assert.equal(hold.candidate, c.candidate);
    assert.match(hold.message, c.message);
    assert.equal(hold.until, c.until);
    const state = result.slots[0]!;
    assert.equal(state.hold?.kind, c.kind);
    assert.equal(state.hold?.code, c.code);
    assert.equal(state.candidate, c.candidate);
  });
}

const settled: { name: string; setup: Setup }[] = [
  { name: 'a slot on its newest tag', setup: { tags: [old('1.0.0'), old('0.9.0')] } },
  { name: 'a newer prerelease outside the range', setup: { tags: [old('1.0.0'), old('2.0.0-rc.1')] } },
  { name: 'an older major', setup: { tags: [old('1.0.0'), old('0.9.0')], current: '1.0.0' } },
  { name: 'another variant that is older', setup: { tags: [old('1.0.0'), old('0.9.0-alpine')] } },
  { name: 'another variant of the same version', setup: { tags: [old('1.0.0'), old('1.0.0-alpine')] } },
  { name: 'a newer variant under variant=any (the policy takes it)', setup: { tags: [old('1.0.0'), old('1.1.0-alpine')], policy: 'semver:^1 variant=any' } },
  { name: 'a freeze with nothing waiting', setup: { tags: [old('1.0.0')], frozen: true } },
];
for (const c of settled) {
  test(`no hold: ${c.name}`, async () => {
    const result = await planned(c.setup);
    assert.deepEqual(result.holds, []);
    assert.equal(result.slots[0]?.hold, undefined);
  });
}

test('a slot that moves is not held, whatever else waits behind its new tag', async () => {
  const result = await planned({ tags: [old('1.0.0'), old('1.1.0'), young('1.2.0'), old('2.0.0'), old('1.5.0-alpine')] });
  assert.deepEqual(
    result.changes.map((c) => c.to),
    ['1.1.0'],
  );
  assert.deepEqual(result.holds, []);
  assert.equal(result.slots[0]?.hold, undefined);
});

/** Which conditions a slot is in; each is made real in its manifest, tags, freeze or rejections. */
interface Conditions {
  locked: boolean;
  frozen: boolean;
  /** A newer tag the policy picks, old enough. */
  candidate: boolean;
  /** That candidate was turned down by a person. */
  rejected: boolean;
  soaking: boolean;
  outOfRange: boolean;
  otherVariant: boolean;
}

/** The precedence as docs/operations.md states it, written out apart from the code. */
function expected(c: Conditions): HoldCode | undefined {
  if (c.locked) return 'locked';
  if (c.frozen && (c.candidate || c.soaking)) return 'frozen';
  if (c.candidate && c.rejected) return 'tag-rejected';
  if (c.candidate) return undefined;
  if (c.soaking) return 'soaking';
  if (c.outOfRange) return 'out-of-range';
  if (c.otherVariant) return 'other-variant';
  return undefined;
}

function setupOf(c: Conditions): Setup {
  const tags = [old('1.0.0')];
  if (c.candidate) tags.push(old('1.1.0'));
  if (c.soaking) tags.push(young('1.2.0'));
  if (c.outOfRange) tags.push(old('2.0.0'));
  if (c.otherVariant) tags.push(old('1.9.0-alpine'));
  return { tags, annotations: c.locked ? LOCKED : [], frozen: c.frozen, ...(c.rejected ? { rejected: ['1.1.0'] } : {}) };
}

test('property: a slot reports exactly one hold, the strongest that applies (lock > freeze > revert-reject > min-age > out of range > other variant), or none', async () => {
  const conditions = fc.record({ locked: fc.boolean(), frozen: fc.boolean(), candidate: fc.boolean(), rejected: fc.boolean(), soaking: fc.boolean(), outOfRange: fc.boolean(), otherVariant: fc.boolean() });
  await fc.assert(
    fc.asyncProperty(conditions, async (c) => {
      const result = await planned(setupOf(c));
      const want = expected(c);
      assert.deepEqual(
        result.holds.map((h) => h.code),
        want === undefined ? [] : [want],
      );
      assert.equal(result.slots[0]?.hold?.code, want);
      assert.equal(result.changes.length, want === undefined && c.candidate ? 1 : 0);
    }),
    { numRuns: 128, seed: 14 },
  );
});

test('the precedence lists every hold code once, in the documented order', () => {
  assert.deepEqual([...HOLD_PRECEDENCE], ['locked', 'frozen', 'tag-rejected', 'soaking', 'out-of-range', 'other-variant']);
});

// A person moved the slot away from 1.0.5 earlier; 1.1.0 is new. Who says whether 1.1.0 may land.
const onRevertCases: { name: string; setup: Omit<Setup, 'tags' | 'rejected'>; held: boolean }[] = [
  { name: 'nobody: the default rejects only the tag, so the newer one lands', setup: {}, held: false },
  { name: 'the automation (onRevert: lock)', setup: { onRevert: 'lock' }, held: true },
  { name: "the repository's .tagpilot.yaml over the automation", setup: { onRevert: 'lock', settings: 'onRevert: reject\n' }, held: false },
  { name: "the repository's .tagpilot.yaml alone", setup: { settings: 'onRevert: lock\n' }, held: true },
  { name: "the workload's annotation over the repository", setup: { settings: 'onRevert: lock\n', annotations: ['tagpilot.io/on-revert: reject'] }, held: false },
  { name: "the slot's annotation over the automation", setup: { annotations: ['tagpilot.io/on-revert.web: lock'] }, held: true },
];
for (const c of onRevertCases) {
  test(`on-revert precedence (annotation > .tagpilot.yaml > automation > top level): ${c.name}`, async () => {
    const result = await planned({ ...c.setup, tags: [old('1.0.0'), old('1.1.0')], rejected: ['1.0.5'] });
    assert.deepEqual(
      result.holds.map((h) => h.code),
      c.held ? ['tag-rejected'] : [],
    );
    assert.equal(result.changes.length, c.held ? 0 : 1);
  });
}

test('slots of one image and policy each get their own hold, by their own current tag', async () => {
  const repo = new InMemoryRepository({
    'a.yaml': manifest('1.0.0', 'patch', []),
    'b.yaml': manifest('1.1.0', 'patch', []).replace('name: web\n', 'name: other\n'),
  });
  const result = await plan({ repo, tags: new FakeTagSource({ 'reg.local/shop/web': [old('1.0.0'), old('1.1.0')] }), branch: 'main', paths: ['.'], author: { name: 'tagpilot', email: 'bot@example.com' }, log: pino({ level: 'silent' }), now: () => NOW });
  assert.deepEqual(
    result.slots.map((s) => `${s.workload} ${s.current} ${s.hold?.code ?? '-'}`),
    ['shop:deployment/web 1.0.0 out-of-range', 'shop:deployment/other 1.1.0 -'],
  );
});
