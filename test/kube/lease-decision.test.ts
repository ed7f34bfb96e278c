import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { automationKey, decideLease, holdsUntil, leaseName, preferredHolder, renewDelay, type LeaseAction, type LeaseView, type Member } from '../../src/kube/lease-decision.ts';

const D = 15_000;
const at = (ms: number) => ms;
const view = (v: Partial<LeaseView>): LeaseView => ({ lease: undefined, observedAt: at(0), me: 'a', preferred: 'a', now: at(1000), durationMs: D, ...v });
const held = (holder: string | undefined, rv = '7') => ({ name: 'tagpilot-x', resourceVersion: rv, holder, durationS: 15 });

const cases: [string, Partial<LeaseView>, LeaseAction][] = [
  ['no Lease, ours to hold: create it', {}, 'create'],
  ['no Lease, another replica should hold it: wait for it', { preferred: 'b' }, 'wait'],
  ['no Lease for twice the duration although another replica should hold it: create it (it never came)', { preferred: 'b', now: at(2 * D) }, 'create'],
  ['we hold it and should: renew', { lease: held('a') }, 'renew'],
  ['we hold it, another live replica should: release it', { lease: held('a'), preferred: 'b' }, 'release'],
  ['another replica holds it, its renewals seen recently: wait', { lease: held('b'), now: at(D - 1) }, 'wait'],
  ['another replica holds it, unchanged for the whole duration: take it', { lease: held('b'), now: at(D) }, 'take'],
  ['expired, but a third replica should hold it: wait', { lease: held('b'), now: at(D), preferred: 'c' }, 'wait'],
  ['expired and unchanged for twice the duration, a third replica should hold it: take it', { lease: held('b'), now: at(2 * D), preferred: 'c' }, 'take'],
  ['released (no holder), ours: take it at once', { lease: held(undefined) }, 'take'],
  ["released, someone else's: wait", { lease: held(undefined), preferred: 'b' }, 'wait'],
  ["the Lease's own duration counts, not ours: 5 s lease unchanged for 5 s is expired", { lease: { ...held('b'), durationS: 5 }, now: at(5000) }, 'take'],
];
for (const [name, v, action] of cases) test(`lease: ${name}`, () => assert.equal(decideLease(view(v)), action));

test("lease: expiry is judged by how long we saw the same version, never by the holder's renewTime (clock skew)", () => {
  // The holder's clock is an hour behind: its renewTime looks ancient, but we saw it renew 1 s ago.
  const lease = { ...held('b'), renewTime: Date.parse('2026-12-01T09:00:00Z') };
  assert.equal(decideLease(view({ lease, observedAt: at(Date.parse('2026-12-01T10:00:00Z')), now: at(Date.parse('2026-12-01T10:00:01Z')) })), 'wait');
});

test('renewals come a third of the duration apart, less up to a fifth of that', () => {
  assert.equal(renewDelay(D, 0), 5000);
  assert.equal(renewDelay(D, 1), 4000);
  fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (r) => renewDelay(D, r) >= 4000 && renewDelay(D, r) <= 5000));
});

test('a holder trusts its hold two thirds of the duration after its last write: it stops before anyone may take over', () => {
  assert.equal(holdsUntil(at(1000), D), 11_000);
  assert.ok(holdsUntil(at(0), D) < D);
});

const members = (...ids: string[]): Member[] => ids.map((identity) => ({ identity, serves: new Set(Array.from({ length: 100 }, (_, i) => automationKey(`repo-${i}`))) }));

test('rendezvous hashing: every replica computes the same holder whatever order it lists the members in', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,20}$/), { minLength: 1, maxLength: 6 }), fc.string(), (ids, automation) => {
      const m = ids.map((identity) => ({ identity, serves: new Set([automationKey(automation)]) }));
      assert.equal(preferredHolder(automation, m), preferredHolder(automation, [...m].reverse()));
    }),
  );
});

test('rendezvous hashing spreads 100 automations over 2 replicas about evenly, and a third joining moves only its share', () => {
  const ids = Array.from({ length: 100 }, (_, i) => `repo-${i}`);
  const two = ids.map((id) => preferredHolder(id, members('tagpilot-7d9f-a', 'tagpilot-7d9f-b')));
  const countA = two.filter((h) => h === 'tagpilot-7d9f-a').length;
  assert.ok(countA >= 35 && countA <= 65, `replica a holds ${countA} of 100`);
  const three = ids.map((id) => preferredHolder(id, members('tagpilot-7d9f-a', 'tagpilot-7d9f-b', 'tagpilot-7d9f-c')));
  const moved = three.filter((holder, i) => holder !== two[i]);
  assert.ok(
    moved.every((holder) => holder === 'tagpilot-7d9f-c'),
    'automations move only to the new replica',
  );
  assert.ok(moved.length >= 20 && moved.length <= 50, `${moved.length} moved`);
});

test('a replica whose config lacks the automation is never preferred for it', () => {
  const m: Member[] = [
    { identity: 'old', serves: new Set() },
    { identity: 'new', serves: new Set([automationKey('repo-9')]) },
  ];
  assert.equal(preferredHolder('repo-9', m), 'new');
});

test('lease names are DNS labels of at most 63 characters, distinct for ids that slug alike', () => {
  assert.match(leaseName('tagpilot-', 'platform/fleet'), /^tagpilot-platform-fleet-[0-9a-f]{8}$/);
  assert.notEqual(leaseName('tagpilot-', 'a/b'), leaseName('tagpilot-', 'a-b'));
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (id) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(leaseName('tagpilot-member-', id))));
});
