/**
 * The history view: tagpilot's changes, the operations people made through it, the tags they
 * turned down, and verification outcomes, in one list, newest first, read from Git after each new
 * head, every text escaped, commits linked when the Git host's web address is configured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatOperationTrailer, formatUpdateTrailer, type LoggedCommit, type OperationVerb } from '../../src/automation/index.ts';
import { newStatus, type CycleOutcome } from '../../src/runtime/index.ts';
import { commitUrlOf, operationVerb, renderMain, StatusBoard, statusView } from '../../src/server/index.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const MARKUP = '<img src=x onerror=alert(1)>';
const oid = (c: string) => c.repeat(40);
const at = (minutesAgo: number) => Math.floor(NOW.getTime() / 1000) - minutesAgo * 60;
const change = { file: 'apps/web.yaml', line: 12, kind: 'container' as const, workload: 'shop:deployment/web', container: 'web', repository: 'reg/shop/web', from: '1.0.0', to: '1.1.0', policy: 'semver:^1' };

/** The branch, newest first: a lock, a revert of tagpilot's update, the update. */
const COMMITS: LoggedCommit[] = [
  { oid: oid('c'), author: 'Ana', time: at(5), message: `lock web\n\n${formatOperationTrailer({ verb: 'lock', target: 'shop:deployment/web', slot: 'web', by: 'ana', at: '2026-12-01T11:55:00Z', reason: `incident 42 ${MARKUP}` })}\n` },
  { oid: oid('b'), author: 'Ana', time: at(10), message: `Revert "web 1.1.0"\n\nThis reverts commit ${oid('a')}.\n` },
  { oid: oid('a'), author: 'tagpilot-bot', time: at(20), message: `web 1.1.0\n\n${formatUpdateTrailer(change)}\n` },
];

function board(readHistory?: (head: string, max: number) => Promise<LoggedCommit[]>): StatusBoard {
  const b = new StatusBoard({ now: () => NOW });
  b.track({ name: 'fleet', intervalMs: 60_000, commitUrl: 'https://git.example/fleet/commit/{commit}', ...(readHistory === undefined ? {} : { readHistory }) }, newStatus());
  return b;
}

const cycle = (head: string, rejections: CycleOutcome extends infer _ ? NonNullable<Extract<CycleOutcome, { report: unknown }>['report']['rejections']> : never = []): CycleOutcome => ({ automation: 'fleet', startedAt: NOW, ms: 10, report: { head, changes: [], problems: [], locked: [], slots: [], rejections } });

/** Waits (a few seconds at most) until the board's snapshot satisfies `done`: history reads are asynchronous. */
async function until(b: StatusBoard, done: (a: ReturnType<StatusBoard['snapshot']>['automations'][number]) => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done(b.snapshot().automations[0]!)) {
    if (Date.now() > deadline) throw new Error('the board did not get there');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('after a cycle the history is read from Git at its head: the update, reverted, and the lock with who and why', async () => {
  const heads: string[] = [];
  const b = board(async (head, max) => {
    heads.push(`${head.slice(0, 1)}/${max}`);
    return COMMITS;
  });
  b.reporter().cycleEnded(cycle(oid('c')));
  await until(b, (a) => a.operations.length > 0);
  const rows = statusView(b.snapshot()).automations[0]!.history;
  assert.deepEqual(
    rows.map((r) => [r.kind, r.label, r.short, r.workload, r.what, r.who, r.why, r.reverted]),
    [
      ['operation', 'lock', 'cccccccccccc', 'shop:deployment/web web', '', 'ana', `incident 42 ${MARKUP}`, undefined],
      ['update', 'update', 'aaaaaaaaaaaa', 'shop:deployment/web web', 'reg/shop/web 1.0.0 → 1.1.0', 'tagpilot-bot', 'policy semver:^1', 'bbbbbbbbbbbb'],
    ],
  );
  assert.deepEqual(heads, ['c/200']);
  b.reporter().cycleEnded(cycle(oid('c')));
  assert.deepEqual(heads, ['c/200'], 'the same head is not read again');
});

test('the rejections in force and verification outcomes join the history, newest first, unknown times last', () => {
  const b = board();
  b.reporter().cycleEnded(
    cycle(oid('c'), [
      { slot: 'shop:deployment/web web', tag: '1.1.0', source: `commit ${oid('b')}`, by: 'Ana', commit: oid('b'), at: '2026-12-01T11:50:00Z' },
      { slot: 'shop:deployment/api -', tag: '2.0.0', source: 'https://git.example/fleet/pulls/7' },
    ]),
  );
  b.verified('fleet', { at: new Date('2026-12-01T11:58:00Z'), commit: oid('a'), workload: 'shop:deployment/web', outcome: 'Failed', reason: 'ImagePullBackOff', detail: `web: ${MARKUP}` });
  b.verified('fleet', { at: new Date('2026-12-01T11:40:00Z'), commit: oid('d'), workload: 'shop:deployment/db', outcome: 'Verified', detail: 'db runs reg/shop/db:1.4.0' });
  const rows = statusView(b.snapshot()).automations[0]!.history;
  assert.deepEqual(
    rows.map((r) => [r.when.slice(11, 16), r.kind, r.label, r.tone, r.workload, r.what, r.who, r.why, r.url]),
    [
      ['11:58', 'verification', 'verify failed', 'held', 'shop:deployment/web', `web: ${MARKUP}`, undefined, 'ImagePullBackOff', `https://git.example/fleet/commit/${oid('a')}`],
      ['11:50', 'rejection', 'rejected', 'held', 'shop:deployment/web web', '1.1.0 turned down', 'Ana', 'reverted or edited by hand', `https://git.example/fleet/commit/${oid('b')}`],
      ['11:40', 'verification', 'verified', 'ok', 'shop:deployment/db', 'db runs reg/shop/db:1.4.0', undefined, undefined, `https://git.example/fleet/commit/${oid('d')}`],
      ['', 'rejection', 'rejected', 'held', 'shop:deployment/api', '2.0.0 turned down', undefined, 'closed unmerged: https://git.example/fleet/pulls/7', undefined],
    ],
  );
  const text = renderMain(statusView(b.snapshot())).text;
  assert.ok(!text.includes(MARKUP), 'no markup from Git or the cluster reaches the page');
  assert.ok(text.includes('<td data-label="Event"><div><span class="badge t-held">verify failed</span></div></td>'), text);
});

test('a failed history read keeps what the board shows, and the next head is read again', async () => {
  let fail = true;
  const b = board(async () => {
    if (fail) throw new Error('clone gone');
    return COMMITS;
  });
  b.seedHistory('fleet', []);
  b.reporter().cycleEnded(cycle(oid('1')));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(b.snapshot().automations[0]?.operations, []);
  fail = false;
  b.reporter().cycleEnded(cycle(oid('2')));
  await until(b, (a) => a.operations.length > 0);
  assert.equal(b.snapshot().automations[0]?.operations[0]?.operation, 'lock');
});

const VERBS: Record<OperationVerb, string> = { lock: 'lock', unlock: 'unlock', automate: 'automate', deautomate: 'deautomate', 'policy-set': 'policy set', release: 'release', rollback: 'rollback', freeze: 'freeze', unfreeze: 'unfreeze', 'auto-revert': 'auto-revert' };
for (const [verb, label] of Object.entries(VERBS) as [OperationVerb, string][]) {
  test(`operation ${verb} is shown as "${label}"`, () => {
    assert.equal(operationVerb(verb).label, label);
  });
}

const URLS: [string | undefined, string, string | undefined][] = [
  ['https://github.com/{path}/commit/{commit}', 'https://github.com/org/fleet.git', 'https://github.com/org/fleet/commit/{commit}'],
  ['https://github.com/{path}/commit/{commit}', 'git@github.com:org/fleet.git', 'https://github.com/org/fleet/commit/{commit}'],
  ['https://gitlab.example/{path}/-/commit/{commit}', 'ssh://git@gitlab.example:2222/group/sub/fleet', 'https://gitlab.example/group/sub/fleet/-/commit/{commit}'],
  ['https://git.example/fixed/commit/{commit}', 'https://anything/x.git', 'https://git.example/fixed/commit/{commit}'],
  ['https://github.com/{path}/commit/{commit}', 'https://github.com/org/"><script>.git', undefined],
  ['https://github.com/{path}/commit/{commit}', 'git@github.com:org/../../evil.git', undefined],
  [undefined, 'https://github.com/org/fleet.git', undefined],
];
for (const [template, gitUrl, want] of URLS) {
  test(`commit URL: ${template} for ${gitUrl} → ${want ?? 'no link'}`, () => {
    assert.equal(commitUrlOf(template, gitUrl), want);
  });
}
