import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { runCycle, plan, type CycleDeps } from '../../src/automation/index.ts';
import { foldReverts, type HistoryCommit } from '../../src/automation/reverts.ts';
import { revertRejections } from '../../src/automation/revert-history.ts';
import { decodeManifest, findSlots, MAX_FILE_BYTES, type ImageSlot } from '../../src/manifests/index.ts';
import { formatOperationTrailer } from '../../src/automation/operation-trailer.ts';
import { FakeTagSource } from '../fakes/tag-source.ts';
import { InMemoryRepository } from '../fakes/repository.ts';
import { webManifest } from '../fakes/web-manifest.ts';

const SLOT = 'shop:deployment/web web';
const bot = (oid: string, from: string, to: string): HistoryCommit => ({ oid, author: 'tagpilot <bot@example.com>', time: 100, message: `tagpilot: web\n\nTagpilot-Update: shop:deployment/web web reg/shop/web ${from} ${to} semver:^1\n` });
const human = (oid: string, message = 'Hand edit\n'): HistoryCommit => ({ oid, author: 'Ana <ana@example.com>', time: 200, message });
const revertOf = (oid: string, target: string) => human(oid, `Revert "tagpilot: web"\n\nThis reverts commit ${target}.\n`);
const oid = (n: number) => String(n).repeat(40).slice(0, 40);
const tagsOf = (history: HistoryCommit[], current: string) =>
  foldReverts(history, new Map([[SLOT, current]]))
    .rejected.list()
    .map((r) => `${r.tag} ${r.commit?.slice(0, 1) ?? r.source}`);

// Histories are written oldest first here, and folded newest first as a walk lists them.
const cases: { name: string; oldestFirst: HistoryCommit[]; current: string; rejected: string[] }[] = [
  { name: 'a git revert of the bot commit rejects the tag it wrote, by the revert', oldestFirst: [bot(oid(1), '1.0.0', '1.1.0'), revertOf(oid(2), oid(1))], current: '1.0.0', rejected: ['1.1.0 2'] },
  { name: 'a slot still at what the bot wrote rejects nothing', oldestFirst: [bot(oid(1), '1.0.0', '1.1.0'), human(oid(2))], current: '1.1.0', rejected: [] },
  { name: 'a hand edit seen at the head rejects the tag, to be attributed in the file', oldestFirst: [bot(oid(1), '1.0.0', '1.1.0'), human(oid(2))], current: '1.0.5', rejected: [`1.1.0 a commit after ${oid(1)}`] },
  { name: 'a hand edit seen by the next bot commit stays rejected after the bot moves on', oldestFirst: [bot(oid(1), '1.0.0', '1.1.0'), human(oid(2)), bot(oid(3), '1.0.5', '1.2.0')], current: '1.2.0', rejected: [`1.1.0 a commit after ${oid(1)}`] },
  { name: 'a revert of a revert (a reapply) takes the rejection back', oldestFirst: [bot(oid(1), '1.0.0', '1.1.0'), revertOf(oid(2), oid(1)), revertOf(oid(3), oid(2))], current: '1.1.0', rejected: [] },
  { name: 'a revert of an older bot commit than the last write to the slot rejects nothing', oldestFirst: [bot(oid(1), '1.0.0', '1.1.0'), bot(oid(2), '1.1.0', '1.2.0'), revertOf(oid(3), oid(1))], current: '1.2.0', rejected: [] },
  {
    name: 'a rollback operation rejects the tag it moved away from, by its commit',
    oldestFirst: [bot(oid(1), '1.0.0', '1.1.0'), human(oid(2), `tagpilot rollback\n\n${formatOperationTrailer({ verb: 'rollback', target: 'shop:deployment/web', slot: 'web', by: 'Ana', at: '2026-01-01T00:00:00Z', from: '1.1.0', to: '1.0.0' })}\n`)],
    current: '1.0.0',
    rejected: ['1.1.0 2'],
  },
  {
    name: 'an unlock clears the rejections of the slot before it',
    oldestFirst: [bot(oid(1), '1.0.0', '1.1.0'), revertOf(oid(2), oid(1)), human(oid(3), `unlock\n\n${formatOperationTrailer({ verb: 'unlock', target: 'shop:deployment/web', by: 'Ana', at: '2026-01-01T00:00:00Z' })}\n`)],
    current: '1.0.0',
    rejected: [],
  },
];

for (const c of cases) {
  test(`revert rule: ${c.name}`, () => {
    assert.deepEqual(tagsOf([...c.oldestFirst].reverse(), c.current), c.rejected);
  });
}

const MANIFEST = (tag: string, annotations: string[] = []) => webManifest(tag, annotations);

function setup(tags: string[], annotations: string[] = []) {
  const repo = new InMemoryRepository({ 'web.yaml': MANIFEST('1.0.0', annotations) });
  const source = new FakeTagSource({ 'reg.local/shop/web': tags });
  const deps: CycleDeps = { repo, tags: source, branch: 'main', paths: ['.'], author: { name: 'tagpilot', email: 'bot@example.com' }, log: pino({ level: 'silent' }), sleep: async () => {}, now: () => new Date('2026-06-01T12:00:00Z') };
  return { repo, source, deps };
}

async function revertLast(repo: InMemoryRepository, annotations: string[] = []): Promise<void> {
  const last = repo.head();
  repo.humanCommit({ 'web.yaml': MANIFEST('1.0.0', annotations) }, `Revert "tagpilot"\n\nThis reverts commit ${last}.\n`);
}

test('after a git revert of a bot commit, the next cycle does not re-apply the reverted tag', async () => {
  const { repo, deps } = setup(['1.0.0', '1.1.0']);
  assert.ok((await runCycle(deps)).commit);
  await revertLast(repo);
  const head = repo.head();
  const report = await runCycle(deps);
  assert.equal(report.commit, undefined);
  assert.equal(repo.head(), head);
  assert.deepEqual(
    report.holds.map((h) => [h.code, h.candidate]),
    [['tag-rejected', '1.1.0']],
  );
  assert.match(report.holds[0]!.message, /held at 1\.0\.0: 1\.1\.0 rejected by Dev <dev@example\.com> in [0-9a-f]{12} on 1970-01-01/);
});

test('after a revert, a newer tag than the rejected one still lands', async () => {
  const tags = ['1.0.0', '1.1.0'];
  const { repo, deps } = setup(tags);
  await runCycle(deps);
  await revertLast(repo);
  const newer = setup([...tags, '1.2.0']);
  const report = await runCycle({ ...deps, tags: newer.source });
  assert.deepEqual(
    report.changes.map((c) => `${c.from} → ${c.to}`),
    ['1.0.0 → 1.2.0'],
  );
});

test('with on-revert: lock, nothing lands after a revert, a newer tag neither', async () => {
  const lock = ['tagpilot.io/on-revert: lock'];
  const { repo, deps } = setup(['1.0.0', '1.1.0'], lock);
  await runCycle(deps);
  await revertLast(repo, lock);
  const newer = setup(['1.0.0', '1.1.0', '1.2.0'], lock);
  const report = await plan({ ...deps, tags: newer.source });
  assert.deepEqual(report.changes, []);
  assert.match(report.holds[0]?.message ?? '', /on-revert: lock/);
});

test('a hand edit to an older tag sticks, and plan names the commit that made it', async () => {
  const { repo, deps } = setup(['1.0.0', '1.1.0']);
  await runCycle(deps);
  repo.humanCommit({ 'web.yaml': MANIFEST('1.0.0') }, 'Back to 1.0.0: 1.1.0 breaks checkout\n');
  const hand = repo.head();
  repo.humanCommit({ 'other.txt': 'unrelated\n' }, 'Unrelated\n');
  const report = await runCycle(deps);
  assert.equal(report.commit, undefined);
  assert.equal(report.rejections[0]?.commit, hand);
});

test('a hand edit is looked up in its file once while the window holds it, and forgotten once it does not (asked again by a wider window)', async () => {
  const { repo, deps } = setup(['1.0.0', '1.1.0']);
  await runCycle(deps);
  const hand = repo.humanCommit({ 'web.yaml': MANIFEST('1.0.0') }, 'Back to 1.0.0\n');
  let lookups = 0;
  const listFiles = repo.listFiles.bind(repo);
  // The attribution lists the one file in each commit it walks; the cycle's own reads list the paths.
  repo.listFiles = (commit, roots, accept) => {
    if (roots[0] === 'web.yaml') lookups++;
    return listFiles(commit, roots, accept);
  };
  const slots = await slotsAt(repo, repo.head());
  const byWhom = async (window: number) => {
    lookups = 0;
    const rejected = await revertRejections(repo, repo.head(), slots, window);
    return { commit: rejected.list()[0]?.commit, lookups };
  };
  assert.deepEqual(await byWhom(10), { commit: hand, lookups: 1 });
  assert.deepEqual(await byWhom(10), { commit: hand, lookups: 0 }, 'remembered while the window holds it');
  for (let i = 0; i < 10; i++) repo.humanCommit({ 'other.txt': `unrelated ${i}\n` }, 'Unrelated\n');
  assert.deepEqual(await byWhom(10), { commit: undefined, lookups: 0 }, 'the bot write left the window: nothing rejected');
  assert.deepEqual(await byWhom(50), { commit: hand, lookups: 1 }, 'forgotten meanwhile, so looked up again');
});

async function slotsAt(repo: InMemoryRepository, head: string): Promise<ImageSlot[]> {
  const { files } = await repo.listFiles(head, ['.'], (path) => path === 'web.yaml');
  const decoded = decodeManifest('web.yaml', await repo.readBlob(files[0]!, MAX_FILE_BYTES));
  assert.ok('file' in decoded);
  return findSlots([decoded.file]).slots;
}
