import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Change, SlotState } from '../../src/automation/index.ts';
import { TagpilotError } from '../../src/problems/index.ts';
import { ControllerState, newStatus, type CycleOutcome } from '../../src/runtime/index.ts';
import { commitLink, MAX_HISTORY, StatusBoard, statusView } from '../../src/server/index.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const SLOT: SlotState = { file: 'apps/web.yaml', line: 12, kind: 'container', workload: 'shop:deployment/web', repository: 'reg/shop/web', current: '1.0.0', candidate: '1.1.0', policy: 'semver:^1' };
const change = (to: string): Change => ({ file: 'apps/web.yaml', line: 12, kind: 'container', workload: 'shop:deployment/web', repository: 'reg/shop/web', from: '1.0.0', to, policy: 'semver:^1' });
const committed = (commit: string, changes: Change[] = [change('1.1.0')]): CycleOutcome => ({ automation: 'fleet', startedAt: NOW, ms: 10, report: { head: 'h', commit, changes, problems: [], locked: [], slots: [SLOT] } });

function tracked(): StatusBoard {
  const board = new StatusBoard({ now: () => NOW });
  board.track({ name: 'fleet', intervalMs: 60_000 }, newStatus());
  return board;
}

test('a failed cycle is recorded with its code and message; the slots of the last good cycle stay, dated', () => {
  const board = tracked();
  board.reporter().cycleEnded(committed('c'.repeat(40)));
  board.reporter().cycleEnded({ automation: 'fleet', startedAt: new Date(NOW.getTime() + 1), ms: 5, error: new TagpilotError('git-unreachable', 'git.example: ECONNREFUSED') });
  const [fleet] = board.snapshot().automations;
  assert.deepEqual(fleet?.last?.error, { code: 'git-unreachable', message: 'git.example: ECONNREFUSED' });
  assert.equal(fleet?.last?.result, 'failed');
  assert.deepEqual(fleet?.slots, [SLOT]);
  assert.deepEqual(fleet?.slotsAt, NOW);
  assert.equal(statusView(board.snapshot()).automations[0]?.health, 'failing');
});

test('a cancelled cycle is cancelled, not failed', () => {
  const board = tracked();
  board.reporter().cycleEnded({ automation: 'fleet', startedAt: NOW, ms: 5, error: new TagpilotError('cancelled', 'shutdown') });
  assert.equal(board.snapshot().automations[0]?.last?.result, 'cancelled');
});

test('history keeps the newest MAX_HISTORY changes, newest first', () => {
  const board = tracked();
  for (let i = 0; i < MAX_HISTORY + 5; i++) board.reporter().cycleEnded(committed(i.toString(16).padStart(40, '0'), [change(`1.${i}.0`)]));
  const history = board.snapshot().automations[0]!.history;
  assert.equal(history.length, MAX_HISTORY);
  assert.equal(history[0]?.to, `1.${MAX_HISTORY + 4}.0`);
});

test('seedHistory replaces what the board holds (history read back from Git after a restart)', () => {
  const board = tracked();
  board.seedHistory('fleet', [{ when: NOW.toISOString(), commit: 'd'.repeat(40), author: 'bot', workload: 'w', image: 'i', from: '1', to: '2', revertedBy: 'e'.repeat(40) }]);
  const view = statusView(board.snapshot()).automations[0]!;
  assert.equal(view.history[0]?.reverted, 'e'.repeat(12));
});

test('outcomes of automations the board does not track are ignored, and every change tells subscribers', () => {
  const board = tracked();
  let told = 0;
  const stop = board.subscribe(() => told++);
  board.reporter().cycleEnded({ ...committed('c'.repeat(40)), automation: 'other' });
  board.reporter().cycleEnded(committed('c'.repeat(40)));
  stop();
  board.changed();
  assert.equal(told, 1);
  assert.deepEqual(
    board.snapshot().automations.map((a) => a.name),
    ['fleet'],
  );
});

const LINKS: [string | undefined, string, string | undefined][] = [
  ['https://git.example/fleet/commit/{commit}', 'a'.repeat(40), `https://git.example/fleet/commit/${'a'.repeat(40)}`],
  ['https://git.example/fleet/-/commit/{commit}', 'b'.repeat(64), `https://git.example/fleet/-/commit/${'b'.repeat(64)}`],
  ['javascript:alert(1)//{commit}', 'a'.repeat(40), undefined],
  ['https://git.example/{commit}', '"><script>', undefined],
  ['not a url {commit}', 'a'.repeat(40), undefined],
  [undefined, 'a'.repeat(40), undefined],
];
for (const [template, commit, link] of LINKS) {
  test(`commit link: ${template} with ${commit.slice(0, 12)} → ${link ?? 'no link'}`, () => {
    assert.equal(commitLink(template, commit), link);
  });
}

test('in a review flow the committed candidate is pending until its pull request is merged', () => {
  const board = tracked();
  const outcome = committed('c'.repeat(40));
  if ('report' in outcome) outcome.report.pullRequest = { number: 7, url: 'https://git.example/pr/7', action: 'opened' };
  board.reporter().cycleEnded(outcome);
  assert.equal(statusView(board.snapshot()).automations[0]?.slots[0]?.status, 'pending');
  board.reporter().cycleEnded(committed('c'.repeat(40)));
  assert.equal(statusView(board.snapshot()).automations[0]?.slots[0]?.status, 'updated');
});

test('registries: counts by host from the observer, a 401 challenge no error, a lapsed Retry-After no pause', () => {
  const state = new ControllerState('tagpilot.yaml');
  const observer = state.registryObserver();
  for (const [host, status] of [
    ['b.example', 200],
    ['a.example', 401],
    ['a.example', 200],
    ['a.example', 503],
    ['a.example', 'error'],
    ['b.example', 429],
  ] as const)
    observer.request?.(host, 'tags', status);
  observer.rateLimited?.('b.example', NOW.getTime() - 1);
  const board = new StatusBoard({ now: () => NOW, registries: () => state.registries.values() });
  assert.deepEqual(board.snapshot().registries, [
    { host: 'a.example', requests: 4, errors: 2, rateLimited: 0 },
    { host: 'b.example', requests: 2, errors: 1, rateLimited: 1 },
  ]);
  observer.rateLimited?.('b.example', NOW.getTime() + 5_000);
  assert.deepEqual(board.snapshot().registries[1]?.pausedUntil, new Date(NOW.getTime() + 5_000));
});
