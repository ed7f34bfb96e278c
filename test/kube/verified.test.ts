import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verificationsOf, type ListedEvent } from '../../src/kube/index.ts';

const C = '0123456789ab';
const event = (reason: string, note: string, over: Partial<ListedEvent> = {}): ListedEvent => ({ reason, note, reportingController: 'tagpilot.io/controller', regarding: { kind: 'Deployment', name: 'web' }, at: '2026-12-01T12:04:05.000Z', ...over });

const cases: { name: string; events: ListedEvent[]; found: Record<string, { outcome: string; reason?: string }> }[] = [
  { name: 'a Verified Event gives Verified for its commit', events: [event('Verified', `Verified: every Pod runs web:1.2.0 (commit ${C}, automation fleet)`)], found: { [C]: { outcome: 'Verified' } } },
  { name: 'a RolloutFailed Event gives Failed with its reason', events: [event('RolloutFailed', `Failed (ImagePullBackOff): pod web-1 container web: ImagePullBackOff (commit ${C}, automation fleet)`)], found: { [C]: { outcome: 'Failed', reason: 'ImagePullBackOff' } } },
  { name: 'a NotApplied Event gives NotApplied', events: [event('NotApplied', `NotApplied: the workload's spec does not carry web:1.2.0 (commit ${C}, automation fleet)`)], found: { [C]: { outcome: 'NotApplied' } } },
  { name: "another controller's Event is not ours", events: [event('Verified', `Verified: x (commit ${C}, automation fleet)`, { reportingController: 'someone.else/controller' })], found: {} },
  { name: "another workload's Event is not this one's", events: [event('Verified', `Verified: x (commit ${C}, automation fleet)`, { regarding: { kind: 'Deployment', name: 'api' } })], found: {} },
  { name: 'a cycle Event (another reason) is no outcome', events: [event('Updated', `Updated: x (commit ${C}, automation fleet)`)], found: {} },
  { name: 'a note cut short (no commit) is skipped', events: [event('RolloutFailed', 'Failed (CrashLoopBackOff): pod web-1 …')], found: {} },
  {
    name: 'the latest outcome of one commit wins',
    events: [event('RolloutFailed', `Failed (DeadlineExceeded): slow (commit ${C}, automation fleet)`, { at: '2026-12-01T12:00:00.000Z' }), event('Verified', `Verified: ok (commit ${C}, automation fleet)`, { at: '2026-12-01T12:10:00.000Z' })],
    found: { [C]: { outcome: 'Verified' } },
  },
];

for (const c of cases) {
  test(`history --verified: ${c.name}`, () => {
    const found = verificationsOf(c.events, 'shop:deployment/web');
    assert.deepEqual(Object.fromEntries([...found].map(([commit, v]) => [commit, { outcome: v.outcome, ...(v.reason === undefined ? {} : { reason: v.reason }) }])), c.found);
  });
}
