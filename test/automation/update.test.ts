import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSlot, isProblem } from '../../src/automation/update.ts';
import type { ImageSlot } from '../../src/manifests/types.ts';
import { parsePolicy, UNLOCKED, type TagInfo } from '../../src/policy/index.ts';
import { repositoryName, type ImageRef } from '../../src/image/index.ts';
import { RegistryError } from '../../src/registry/index.ts';

const slot = (image: string, overrides: Partial<ImageSlot> = {}): ImageSlot => ({
  file: 'apps/web.yaml',
  line: 12,
  kind: 'container',
  workload: 'shop:deployment/web',
  container: 'web',
  image,
  policy: parsePolicy('semver:^1'),
  lock: UNLOCKED,
  fields: [{ part: 'ref', start: 0, end: image.length, value: image }],
  ...overrides,
});
const tags =
  (...names: string[]) =>
  () =>
    names.map((tag) => ({ tag }));

test('a newer allowed tag becomes an edit and a change naming slot, image, tags and policy', () => {
  const decided = decideSlot(slot('reg:5000/shop/web:1.0.0'), tags('1.0.0', '1.4.0', '2.0.0'));
  assert.ok(decided !== undefined && !isProblem(decided));
  assert.equal(decided.edit.image, 'reg:5000/shop/web:1.4.0');
  assert.deepEqual(decided.change, {
    file: 'apps/web.yaml',
    line: 12,
    kind: 'container',
    workload: 'shop:deployment/web',
    container: 'web',
    repository: 'reg:5000/shop/web',
    from: '1.0.0',
    to: '1.4.0',
    policy: 'semver:^1',
  });
});

test('nothing newer means no update', () => {
  assert.equal(decideSlot(slot('reg:5000/shop/web:1.4.0'), tags('1.0.0', '1.4.0')), undefined);
});

test('a locked slot is never updated', () => {
  const locked = slot('reg:5000/shop/web:1.0.0', { lock: { locked: true, by: 'ana', reason: 'incident' } });
  assert.equal(decideSlot(locked, tags('1.9.0')), undefined);
});

test('a slot without a policy is never updated', () => {
  assert.equal(decideSlot(slot('reg:5000/shop/web:1.0.0', { policy: undefined }), tags('1.9.0')), undefined);
});

test('a registry error becomes a problem naming the file, line and workload', () => {
  const decided = decideSlot(slot('reg:5000/shop/web:1.0.0'), () => new Error('reg:5000/shop/web: registry answered 500'));
  assert.deepEqual(decided, { code: 'internal', subject: 'apps/web.yaml:12 shop:deployment/web', message: 'reg:5000/shop/web: registry answered 500', file: 'apps/web.yaml', line: 12 });
});

test('a coded registry error keeps its code in the problem', () => {
  const decided = decideSlot(slot('reg:5000/shop/web:1.0.0'), () => new RegistryError('reg:5000/shop/web', 'no answer within the registry deadline (60s)', { code: 'registry-deadline' }));
  assert.ok(isProblem(decided));
  assert.equal(decided.code, 'registry-deadline');
});

test('an unparseable image reference becomes a problem, not an exception', () => {
  const decided = decideSlot(slot('Not A Ref'), tags('1.0.0'));
  assert.ok(isProblem(decided));
  assert.match(decided.message, /invalid image reference "Not A Ref"/);
});

const D = (c: string) => `sha256:${c.repeat(64)}`;

test('a tag policy on a slot pinned by digest writes the new tag with its own digest', () => {
  const decided = decideSlot(slot(`reg:5000/shop/web:1.0.0@${D('a')}`), () => [
    { tag: '1.0.0', digest: D('a') },
    { tag: '1.1.0', digest: D('b') },
  ]);
  assert.ok(decided !== undefined && !isProblem(decided));
  assert.equal(decided.edit.image, `reg:5000/shop/web:1.1.0@${D('b')}`);
  assert.deepEqual([decided.change.from, decided.change.to], [`1.0.0@${D('a')}`, `1.1.0@${D('b')}`]);
});

test('a pinned slot whose new tag has no known digest is a problem, never an unpinned write', () => {
  const decided = decideSlot(slot(`reg:5000/shop/web:1.0.0@${D('a')}`), tags('1.0.0', '1.1.0'));
  assert.ok(isProblem(decided));
  assert.match(decided.message, /no digest for 1\.1\.0, and the slot pins one/);
});

test('digest:<tag> re-pins when the tag moved to another image', () => {
  const pinned = slot(`reg:5000/shop/web:stable@${D('a')}`, { policy: parsePolicy('digest:stable') });
  const decided = decideSlot(pinned, () => [{ tag: 'stable', digest: D('c') }]);
  assert.ok(decided !== undefined && !isProblem(decided));
  assert.equal(decided.edit.image, `reg:5000/shop/web:stable@${D('c')}`);
});

test('a current tag of unknown build time is held with a problem, not replaced by a candidate that may be older', () => {
  const decided = decideSlot(slot('reg:5000/shop/web:build-0002', { policy: parsePolicy('glob:build-*') }), () => [{ tag: 'build-0001', created: new Date('2026-01-01T00:00:00Z') }]);
  assert.ok(isProblem(decided));
  assert.equal(decided.code, 'current-tag-unranked');
  assert.match(decided.message, /reg:5000\/shop\/web:build-0002: held: kept build-0002: its build time is unknown, so build-0001 may be older/);
});

/** A marker slot of the given fields: `[part, value]` each. */
const marked = (image: string, fields: [ImageSlot['fields'][number]['part'], string][], follows?: ImageSlot['follows']): ImageSlot => {
  let at = 0;
  const s = slot(image, { kind: 'marker', workload: undefined, container: undefined, fields: fields.map(([part, value]) => ({ part, value, start: at, end: (at += value.length + 1) - 1 })) });
  return follows === undefined ? s : { ...s, follows };
};
const podinfo = (tagged: TagInfo[]) => (ref: ImageRef) => (repositoryName(ref) === 'registry.acme.io/podinfo' ? tagged : new Error(`${repositoryName(ref)}: not asked for`));

test("a slot following a named policy's repository asks there for tags, and writes it where a marked field names the image", () => {
  const moved = slot('ghcr.io/old/podinfo:6.5.0', { policy: parsePolicy('semver:6.x'), follows: { repository: 'registry.acme.io/podinfo', name: true } });
  const decided = decideSlot(moved, podinfo([{ tag: '6.5.0' }, { tag: '6.5.1' }]));
  assert.ok(decided !== undefined && !isProblem(decided));
  assert.equal(decided.edit.image, 'registry.acme.io/podinfo:6.5.1');
  assert.deepEqual([decided.change.repository, decided.change.from, decided.change.to], ['ghcr.io/old/podinfo', '6.5.0', 'registry.acme.io/podinfo:6.5.1']);
});

test('a registry move is written even when the tag holds', () => {
  const moved = slot('ghcr.io/old/podinfo:6.5.1', { policy: parsePolicy('semver:6.x'), follows: { repository: 'registry.acme.io/podinfo', name: true } });
  const decided = decideSlot(moved, podinfo([{ tag: '6.5.0' }, { tag: '6.5.1' }]));
  assert.ok(decided !== undefined && !isProblem(decided));
  assert.equal(decided.edit.image, 'registry.acme.io/podinfo:6.5.1');
});

test("the policy's repository is written as the policy spells it, as Flux writes it", () => {
  const hub = slot('docker.io/library/nginx:1.27.0', { policy: parsePolicy('semver:1.x'), follows: { repository: 'nginx', name: true } });
  const decided = decideSlot(hub, () => [{ tag: '1.27.0' }]);
  assert.ok(decided !== undefined && !isProblem(decided));
  assert.equal(decided.edit.image, 'nginx:1.27.0');
  assert.equal(
    decideSlot({ ...hub, image: 'nginx:1.27.0' }, () => [{ tag: '1.27.0' }]),
    undefined,
  );
});

test('following a repository for tags only keeps the name the file gives', () => {
  const tagOnly = {
    ...marked(
      'mirror.local/podinfo:6.5.0',
      [
        ['name', 'mirror.local/podinfo'],
        ['tag', '6.5.0'],
      ],
      { repository: 'registry.acme.io/podinfo', name: false },
    ),
    policy: parsePolicy('semver:6.x'),
  };
  const decided = decideSlot(tagOnly, podinfo([{ tag: '6.5.0' }, { tag: '6.5.1' }]));
  assert.ok(decided !== undefined && !isProblem(decided));
  assert.equal(decided.edit.image, 'mirror.local/podinfo:6.5.1');
  assert.equal(decideSlot({ ...tagOnly, image: 'mirror.local/podinfo:6.5.1' }, podinfo([{ tag: '6.5.1' }])), undefined);
});

const follows = { repository: 'registry.acme.io/podinfo', name: false };
const listed = [
  { tag: '6.5.0', digest: D('a') },
  { tag: '6.5.1', digest: D('b') },
  { tag: '7.0.0', digest: D('c') },
];

test("a digest-only slot is moved to the digest of the policy's pick, the tag written nowhere", () => {
  const withPolicy = decideSlot({ ...marked(`registry.acme.io/podinfo@${D('a')}`, [['digest', D('a')]], follows), policy: parsePolicy('semver:6.x') }, podinfo(listed));
  assert.ok(withPolicy !== undefined && !isProblem(withPolicy));
  assert.equal(withPolicy.edit.image, `registry.acme.io/podinfo@${D('b')}`);
  assert.deepEqual([withPolicy.tag, withPolicy.change.from, withPolicy.change.to], ['6.5.1', `6.5.0@${D('a')}`, `6.5.1@${D('b')}`]);
});

test("a digest-only slot whose digest is the pick's already is left alone", () => {
  const current = { ...marked(`registry.acme.io/podinfo@${D('b')}`, [['digest', D('b')]], follows), policy: parsePolicy('semver:6.x') };
  assert.equal(decideSlot(current, podinfo(listed)), undefined);
});

test('a digest-only slot never moves below the tag its digest belongs to', () => {
  const current = { ...marked(`registry.acme.io/podinfo@${D('c')}`, [['digest', D('c')]], follows), policy: parsePolicy('semver:>=6') };
  assert.equal(decideSlot(current, podinfo(listed.slice(0, 2).concat({ tag: '7.0.0', digest: D('c') }))), undefined);
  const older = { ...current, policy: parsePolicy('semver:6.x') };
  assert.equal(decideSlot(older, podinfo(listed)), undefined, '7.0.0 is outside 6.x, and no 6.x tag ranks above it');
});

test("a digest-only slot holding no digest gets the policy's pick, as Flux writes it", () => {
  const broken = { ...marked('registry.acme.io/podinfo', [['digest', 'sha256:changeme']], follows), policy: parsePolicy('semver:6.x') };
  const decided = decideSlot(broken, podinfo(listed));
  assert.ok(decided !== undefined && !isProblem(decided));
  assert.equal(decided.edit.image, `registry.acme.io/podinfo@${D('b')}`);
  assert.deepEqual([decided.change.from, decided.change.to], ['sha256:changeme', `6.5.1@${D('b')}`]);
});
