/**
 * The verification outcomes the cluster recorded, on the page: read for the history shown (its
 * workloads, recent commits only), one lookup per TTL whatever the page views, merged with those
 * this process saw, and a lookup that fails or hangs is said on the page, which never fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUpdateTrailer, type LoggedCommit } from '../../src/automation/index.ts';
import { newStatus, type CycleOutcome } from '../../src/runtime/index.ts';
import { RecordedVerifications, renderMain, StatusBoard, statusDocument, statusView, STATUS_DOCUMENT, type LookupResult, type RecordedOptions, type VerificationLookup } from '../../src/server/index.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const MARKUP = '<img src=x onerror=alert(1)>';
const oid = (c: string) => c.repeat(40);
const change = (workload: string) => ({ file: 'apps/web.yaml', line: 12, kind: 'container' as const, workload, container: 'web', repository: 'reg/shop/web', from: '1.0.0', to: '1.1.0', policy: 'semver:^1' });
const commit = (c: string, minutesAgo: number, workload = 'shop:deployment/web'): LoggedCommit => ({ oid: oid(c), author: 'tagpilot-bot', time: Math.floor(NOW / 1000) - minutesAgo * 60, message: `web 1.1.0\n\n${formatUpdateTrailer(change(workload))}\n` });
const cycle: CycleOutcome = { automation: 'fleet', startedAt: new Date(NOW), ms: 10, report: { head: oid('f'), changes: [], problems: [], locked: [], slots: [] } };
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();

/** A lookup that answers `result` and counts its calls, with the workloads each asked for. */
function lookupOf(result: () => Promise<LookupResult> | LookupResult) {
  const calls: string[][] = [];
  const lookup: VerificationLookup = async (workloads) => {
    calls.push([...workloads]);
    return result();
  };
  return { lookup, calls };
}

const found = (entries: Record<string, Record<string, { outcome: 'Verified' | 'Failed' | 'NotApplied'; reason?: string; at?: string; detail: string }>>): LookupResult => ({ found: new Map(Object.entries(entries).map(([w, byCommit]) => [w, new Map(Object.entries(byCommit))])), unreadable: [] });

/** A board whose history (read from Git at the first cycle) holds `commits`, reading the cluster through `lookup`. */
async function boardOf(commits: LoggedCommit[], lookup: VerificationLookup, options: Partial<RecordedOptions> = {}, clock = { now: NOW }) {
  const board = new StatusBoard({ now: () => new Date(clock.now) });
  board.track({ name: 'fleet', intervalMs: 60_000, readHistory: async () => commits }, newStatus());
  board.readRecorded(new RecordedVerifications({ lookup, now: () => clock.now, ...options }));
  board.reporter().cycleEnded(cycle);
  await until(board, () => board.snapshot().automations[0]!.history.length === commits.filter((c) => c.message.includes('Tagpilot')).length);
  return board;
}

/** Waits (seconds at most) until `done`: lookups end in the background. */
async function until(board: StatusBoard, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`the board did not get there: ${JSON.stringify(board.snapshot())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const outcomes = (board: StatusBoard) => board.snapshot().automations[0]!.verifications.map((v) => [v.commit.slice(0, 1), v.workload, v.outcome, v.reason]);

test('the outcomes the cluster recorded for the history join it, escaped, and the page says nothing more once they are read', async () => {
  const { lookup } = lookupOf(() => found({ 'shop:deployment/web': { [oid('a').slice(0, 12)]: { outcome: 'Failed', reason: 'ImagePullBackOff', at: minutesAgo(3), detail: `web: ${MARKUP}` } } }));
  const board = await boardOf([commit('a', 10)], lookup);
  await until(board, () => board.snapshot().recorded?.state === 'read');
  assert.deepEqual(outcomes(board), [['a', 'shop:deployment/web', 'Failed', 'ImagePullBackOff']]);
  const view = statusView(board.snapshot());
  assert.equal(view.recorded, undefined);
  const text = renderMain(view).text;
  assert.ok(text.includes('<span class="badge t-held">verify failed</span>'), text);
  assert.ok(!text.includes(MARKUP), 'no markup from the cluster reaches the page');
});

test('page views within the TTL cost one lookup; after it, one more', async () => {
  const clock = { now: NOW };
  const { lookup, calls } = lookupOf(() => found({}));
  const board = await boardOf([commit('a', 10)], lookup, { ttlMs: 30_000 }, clock);
  await until(board, () => board.snapshot().recorded?.state === 'read');
  for (let i = 0; i < 50; i++) board.snapshot();
  assert.equal(calls.length, 1);
  clock.now += 30_000;
  board.snapshot();
  for (let i = 0; i < 50; i++) board.snapshot();
  await until(board, () => calls.length === 2);
  assert.deepEqual(calls, [['shop:deployment/web'], ['shop:deployment/web']]);
});

test('only the workloads of recent commits are asked, at most maxWorkloads, and older outcomes are not shown', async () => {
  const { lookup, calls } = lookupOf(() =>
    found({
      'shop:deployment/w0': { [oid('0').slice(0, 12)]: { outcome: 'Verified', at: minutesAgo(1), detail: 'ok' } },
      'shop:deployment/w1': { [oid('1').slice(0, 12)]: { outcome: 'Verified', at: minutesAgo(120), detail: 'too old' } },
    }),
  );
  const commits = [commit('0', 1, 'shop:deployment/w0'), commit('1', 2, 'shop:deployment/w1'), commit('2', 3, 'shop:deployment/w2'), commit('3', 4, 'shop:deployment/w3'), commit('4', 90, 'shop:deployment/old')];
  const board = await boardOf(commits, lookup, { maxWorkloads: 3, maxAgeMs: 60 * 60_000 });
  await until(board, () => board.snapshot().recorded?.state === 'read');
  assert.deepEqual(calls, [['shop:deployment/w0', 'shop:deployment/w1', 'shop:deployment/w2']]);
  assert.deepEqual(outcomes(board), [['0', 'shop:deployment/w0', 'Verified', undefined]]);
});

test('an outcome this process saw and the same one recorded in the cluster are one row, the later', async () => {
  const { lookup } = lookupOf(() => found({ 'shop:deployment/web': { [oid('a').slice(0, 12)]: { outcome: 'Verified', at: minutesAgo(2), detail: 'recorded' } } }));
  const board = await boardOf([commit('a', 10)], lookup);
  board.verified('fleet', { at: new Date(NOW - 5 * 60_000), commit: oid('a'), workload: 'shop:deployment/web', outcome: 'Failed', reason: 'DeadlineExceeded', detail: 'seen here' });
  board.verified('fleet', { at: new Date(NOW - 60_000), commit: oid('b'), workload: 'shop:deployment/api', outcome: 'Verified', detail: 'seen here only' });
  await until(board, () => board.snapshot().recorded?.state === 'read');
  assert.deepEqual(outcomes(board), [
    ['b', 'shop:deployment/api', 'Verified', undefined],
    ['a', 'shop:deployment/web', 'Verified', undefined],
  ]);
});

const FAILURES: { name: string; lookup: () => Promise<LookupResult>; problem: RegExp }[] = [
  { name: 'a lookup that fails', lookup: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:443')), problem: /ECONNREFUSED/ },
  { name: 'a lookup that never answers', lookup: () => new Promise<never>(() => undefined), problem: /did not answer within 1 s/ },
  { name: 'a namespace whose Events are forbidden', lookup: async () => ({ found: new Map(), unreadable: [{ namespace: 'shop', message: 'kube-forbidden: list events in shop' }] }), problem: /the Events of namespace shop cannot be read: kube-forbidden/ },
];
for (const f of FAILURES) {
  test(`${f.name}: the page and the API say the recorded outcomes cannot be read, and show what this process saw`, async () => {
    const { lookup } = lookupOf(f.lookup);
    const board = await boardOf([commit('a', 10)], lookup, { timeoutMs: 1_000 });
    board.verified('fleet', { at: new Date(NOW - 60_000), commit: oid('a'), workload: 'shop:deployment/web', outcome: 'Verified', detail: 'seen here' });
    await until(board, () => board.snapshot().recorded?.state === 'unreadable');
    assert.match(board.snapshot().recorded?.problem ?? '', f.problem);
    assert.deepEqual(outcomes(board), [['a', 'shop:deployment/web', 'Verified', undefined]]);
    const text = renderMain(statusView(board.snapshot())).text;
    assert.match(text, /<p class="error" role="alert" data-recorded="unreadable">The verification outcomes recorded in the cluster cannot be read \(/);
    const document = STATUS_DOCUMENT.parse(statusDocument(board.snapshot()));
    assert.equal(document.recorded?.state, 'unreadable');
  });
}

test('until the first lookup ends the page says it is reading them', async () => {
  let answer: (r: LookupResult) => void = () => undefined;
  const { lookup } = lookupOf(() => new Promise<LookupResult>((resolve) => (answer = resolve)));
  const board = await boardOf([commit('a', 10)], lookup);
  assert.match(renderMain(statusView(board.snapshot())).text, /data-recorded="reading">Reading the verification outcomes recorded in the cluster/);
  answer(found({}));
  await until(board, () => board.snapshot().recorded?.state === 'read');
  assert.doesNotMatch(renderMain(statusView(board.snapshot())).text, /data-recorded/);
});
