import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { autoRevert, parseOperationTrailers, runCycle, type CycleDeps, type FailedRollout } from '../../src/automation/index.ts';
import { FakeTagSource } from '../fakes/tag-source.ts';
import { InMemoryRepository } from '../fakes/repository.ts';
import { webManifest } from '../fakes/web-manifest.ts';

const MANIFEST = (tag: string, annotations = ['tagpilot.io/on-failure: revert']) => webManifest(tag, annotations);

const author = { name: 'tagpilot', email: 'bot@example.com' };
const log = pino({ level: 'silent' });

function setup(annotations?: string[]) {
  const repo = new InMemoryRepository({ 'web.yaml': MANIFEST('1.0.0', annotations) });
  const cycle = (tags: string[]) => {
    const deps: CycleDeps = { repo, tags: new FakeTagSource({ 'reg.local/shop/web': tags }), branch: 'main', paths: ['.'], author, log, sleep: async () => {}, now: () => new Date('2026-12-01T12:00:00Z') };
    return runCycle(deps);
  };
  const revert = (commit: string, tag: string, onFailure: 'revert' | 'none' = 'none') => autoRevert({ repo, branch: 'main', paths: ['.'], author, log, onFailure, sleep: async () => {}, now: () => new Date('2026-12-01T12:05:00Z') }, failure(commit, tag));
  return { repo, cycle, revert };
}

const failure = (commit: string, tag: string, reason = 'ImagePullBackOff'): FailedRollout => ({ workload: 'shop:deployment/web', commit, images: [{ container: 'web', repository: 'reg.local/shop/web', to: tag }], reason, detail: `pod web-1 container web: ${reason}` });

test('auto-revert: a failed rollout is answered by one commit back to the previous tag, with an auto-revert trailer naming the reason', async () => {
  const { repo, cycle, revert } = setup();
  const pushed = (await cycle(['1.0.0', '1.1.0'])).commit!;
  const outcome = await revert(pushed, '1.1.0');
  assert.ok(outcome.commit);
  assert.equal(repo.files()['web.yaml'], MANIFEST('1.0.0'));
  const message = repo.log()[0]!.message;
  assert.match(message, /^tagpilot auto-revert shop:deployment\/web web: 1\.1\.0 failed \(ImagePullBackOff\)\n\nReverted automatically by tagpilot <bot@example\.com> at 2026-12-01T12:05:00Z: ImagePullBackOff: pod web-1 container web: ImagePullBackOff\n/);
  const [op] = parseOperationTrailers(message);
  assert.deepEqual(
    { verb: op?.verb, target: op?.target, slot: op?.slot, from: op?.from, to: op?.to, by: op?.by, reason: op?.reason },
    { verb: 'auto-revert', target: 'shop:deployment/web', slot: 'web', from: '1.1.0', to: '1.0.0', by: 'tagpilot <bot@example.com>', reason: 'ImagePullBackOff: pod web-1 container web: ImagePullBackOff' },
  );
  assert.deepEqual(outcome.reverted, [{ slot: 'shop:deployment/web web', repository: 'reg.local/shop/web', from: '1.1.0', to: '1.0.0' }]);
});

test('auto-revert: the next cycle does not re-apply the failed tag (held as rejected), and a newer tag lands', async () => {
  const { repo, cycle, revert } = setup();
  await revert((await cycle(['1.0.0', '1.1.0'])).commit!, '1.1.0');
  const head = repo.head();
  const held = await cycle(['1.0.0', '1.1.0']);
  assert.equal(held.commit, undefined);
  assert.equal(repo.head(), head);
  assert.deepEqual(
    held.holds.map((h) => [h.code, h.candidate]),
    [['tag-rejected', '1.1.0']],
  );
  const newer = await cycle(['1.0.0', '1.1.0', '1.2.0']);
  assert.deepEqual(
    newer.changes.map((c) => `${c.from} → ${c.to}`),
    ['1.0.0 → 1.2.0'],
  );
});

test('auto-revert: a second failure of the same tag is not reverted again: it holds, read from history', async () => {
  const { repo, cycle, revert } = setup();
  await revert((await cycle(['1.0.0', '1.1.0'])).commit!, '1.1.0');
  const first = repo.head();
  // A person gives 1.1.0 another go (a release of it), and it fails again.
  repo.humanCommit({ 'web.yaml': MANIFEST('1.1.0') }, 'Retry 1.1.0\n');
  const again = await revert(repo.head(), '1.1.0');
  assert.equal(again.commit, undefined);
  assert.deepEqual(
    again.held.map((h) => [h.why, h.tag, h.commit]),
    [['reverted-before', '1.1.0', first]],
  );
  assert.match(again.held[0]!.message, /failed again \(ImagePullBackOff\) after an automatic revert in [0-9a-f]{12}; not reverted twice/);
  assert.equal(repo.files()['web.yaml'], MANIFEST('1.1.0'));
});

test('auto-revert: nothing for a workload that did not opt in, unless the automation defaults to revert', async () => {
  const { repo, cycle, revert } = setup([]);
  const pushed = (await cycle(['1.0.0', '1.1.0'])).commit!;
  const head = repo.head();
  assert.equal((await revert(pushed, '1.1.0')).commit, undefined);
  assert.equal(repo.head(), head);
  assert.ok((await revert(pushed, '1.1.0', 'revert')).commit);
});

test('auto-revert: a workload that says on-failure: none is not reverted, whatever the automation default', async () => {
  const { cycle, revert } = setup(['tagpilot.io/on-failure: none']);
  const pushed = (await cycle(['1.0.0', '1.1.0'])).commit!;
  assert.equal((await revert(pushed, '1.1.0', 'revert')).commit, undefined);
});

test('auto-revert: a slot that moved on since the failed commit (a newer tag) is left alone', async () => {
  const { repo, cycle, revert } = setup();
  const pushed = (await cycle(['1.0.0', '1.1.0'])).commit!;
  await cycle(['1.0.0', '1.1.0', '1.2.0']);
  const head = repo.head();
  assert.equal((await revert(pushed, '1.1.0')).commit, undefined);
  assert.equal(repo.head(), head);
});

test('auto-revert: a workload the API could not be read for (Unreadable) is never reverted', async () => {
  const { repo, cycle } = setup();
  const pushed = (await cycle(['1.0.0', '1.1.0'])).commit!;
  const outcome = await autoRevert({ repo, branch: 'main', paths: ['.'], author, log, onFailure: 'revert', sleep: async () => {} }, failure(pushed, '1.1.0', 'Unreadable'));
  assert.equal(outcome.commit, undefined);
});

test('auto-revert: a push that loses the race to another pusher is recomputed on the new head and lands', async () => {
  let armed = false;
  let raced = false;
  const repo = new InMemoryRepository(
    { 'web.yaml': MANIFEST('1.0.0'), 'other.yaml': 'a: 1\n' },
    {
      // The revert's first push: another pusher got there first.
      beforePush: (r) => {
        if (!armed || raced) return undefined;
        raced = true;
        r.humanCommit({ 'other.yaml': 'a: 2\n' }, 'Someone else\n');
        return undefined;
      },
    },
  );
  const deps: CycleDeps = { repo, tags: new FakeTagSource({ 'reg.local/shop/web': ['1.0.0', '1.1.0'] }), branch: 'main', paths: ['.'], author, log, sleep: async () => {} };
  const pushed = (await runCycle(deps)).commit!;
  armed = true;
  const outcome = await autoRevert({ repo, branch: 'main', paths: ['.'], author, log, onFailure: 'none', sleep: async () => {} }, failure(pushed, '1.1.0'));
  assert.ok(outcome.commit);
  assert.ok(raced);
  assert.equal(repo.files()['web.yaml'], MANIFEST('1.0.0'));
  assert.equal(repo.files()['other.yaml'], 'a: 2\n');
});

test('docs/verification.md: its auto-revert commit message is the one tagpilot writes for that failure', async () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/verification.md'), 'utf8');
  const shown = /^```text auto-revert\n([\s\S]*?)^```$/m.exec(doc)?.[1];
  assert.ok(shown);
  const manifest = (tag: string) => MANIFEST(tag).replaceAll('reg.local/shop/web', 'ghcr.io/acme/web');
  const repo = new InMemoryRepository({ 'apps/web.yaml': manifest('1.4.2') });
  const bot = { name: 'tagpilot', email: 'tagpilot@users.noreply.local' };
  const pushed = await runCycle({ repo, tags: new FakeTagSource({ 'ghcr.io/acme/web': ['1.4.2', '1.5.0'] }), branch: 'main', paths: ['apps'], author: bot, log, sleep: async () => {} });
  const detail = 'pod web-7d9c-x2 container web: ImagePullBackOff: Back-off pulling image "ghcr.io/acme/web:1.5.0"';
  await autoRevert({ repo, branch: 'main', paths: ['apps'], author: bot, log, onFailure: 'none', now: () => new Date('2026-12-01T12:07:00Z') }, { workload: 'shop:deployment/web', commit: pushed.commit!, images: [{ container: 'web', repository: 'ghcr.io/acme/web', to: '1.5.0' }], reason: 'ImagePullBackOff', detail });
  assert.equal(repo.log()[0]!.message, shown);
});
