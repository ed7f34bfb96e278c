/**
 * Every hold kind a slot state carries, as the page shows it: the state, the kind's name, the
 * reason and who/since/until, all escaped. Keyed by HoldKind: a new kind fails the typecheck
 * here until it has a case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HoldKind, SlotHold, SlotState } from '../../src/automation/index.ts';
import { newStatus } from '../../src/runtime/index.ts';
import { renderMain, StatusBoard, statusView, type SlotStatus } from '../../src/server/index.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const MARKUP = '<b onclick="x()">&\'</b>';
const ESCAPED = '&lt;b onclick=&quot;x()&quot;&gt;&amp;&#39;&lt;/b&gt;';

interface Case {
  hold: Omit<SlotHold, 'kind'>;
  /** The slot has a candidate the hold keeps back. */
  candidate?: string;
  status: SlotStatus;
  badge: string;
  /** Rendered after the reason (who, since, until), markup as the page writes it. */
  detail: string;
}

const CASES: Record<HoldKind, Case> = {
  locked: { hold: { code: 'locked', reason: `incident 42 ${MARKUP}`, by: `ana ${MARKUP}`, since: '2026-11-30T08:00:00Z' }, status: 'held', badge: 'held: locked', detail: ` by ana ${ESCAPED} since <time datetime="2026-11-30T08:00:00.000Z">2026-11-30 08:00 UTC</time>` },
  frozen: { hold: { code: 'frozen', reason: `release freeze ${MARKUP}`, until: '2026-12-24T00:00:00Z' }, candidate: '1.1.0', status: 'pending', badge: 'pending: frozen', detail: ' until <time datetime="2026-12-24T00:00:00.000Z">2026-12-24 00:00 UTC</time>' },
  soaking: { hold: { code: 'soaking', reason: `1.1.0 is younger than the minimum age (1d) ${MARKUP}`, until: '2026-12-02T08:00:00Z' }, candidate: '1.1.0', status: 'pending', badge: 'pending: soaking', detail: ' until <time datetime="2026-12-02T08:00:00.000Z">2026-12-02 08:00 UTC</time>' },
  rejected: { hold: { code: 'tag-rejected', reason: `1.1.0 was turned down for this slot (commit ${'a'.repeat(40)}) ${MARKUP}` }, candidate: '1.1.0', status: 'held', badge: 'held: rejected', detail: '' },
  'out-of-range': { hold: { code: 'out-of-range', reason: `2.0.0 is out of range of semver:^1 ${MARKUP}` }, candidate: '2.0.0', status: 'held', badge: 'held: out of range', detail: '' },
  'other-variant': { hold: { code: 'current-tag-unranked', reason: `only -alpine tags are newer ${MARKUP}` }, status: 'held', badge: 'held: other variant', detail: '' },
  registry: { hold: { code: 'registry-unreachable', reason: `reg.example: connection refused ${MARKUP}` }, status: 'held', badge: 'held: registry problem', detail: '' },
  problem: { hold: { code: 'policy-invalid', reason: `semver range ${MARKUP} does not parse` }, status: 'held', badge: 'held: problem', detail: '' },
};

function page(kind: HoldKind, c: Case): string {
  const slot: SlotState = { file: 'apps/web.yaml', line: 12, kind: 'container', workload: 'shop:deployment/web', container: 'web', repository: 'reg/shop/web', current: '1.0.0', policy: 'semver:^1', hold: { kind, ...c.hold }, ...(c.candidate === undefined ? {} : { candidate: c.candidate }) };
  const board = new StatusBoard({ now: () => NOW });
  board.track({ name: 'fleet', intervalMs: 60_000 }, newStatus());
  board.reporter().cycleEnded({ automation: 'fleet', startedAt: NOW, ms: 10, report: { head: 'h', changes: [], problems: [], locked: [], slots: [slot] } });
  return renderMain(statusView(board.snapshot())).text;
}

for (const [kind, c] of Object.entries(CASES) as [HoldKind, Case][]) {
  test(`a ${kind} hold shows as ${c.badge}, with its reason${c.detail === '' ? '' : ' and who/since/until'}, escaped`, () => {
    const text = page(kind, c);
    assert.ok(text.includes(`<tr data-status="${c.status}">`), text);
    assert.ok(text.includes(`<span class="badge s-${c.status}">${c.badge}</span>`), text);
    assert.ok(text.includes(`<span class="reason">${c.hold.reason.replace(MARKUP, ESCAPED)}<span class="muted">${c.detail}</span></span>`), text);
    assert.ok(!text.includes(MARKUP), 'no markup from a reason or a name reaches the page');
  });
}
