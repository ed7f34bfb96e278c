import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleEvents, parseWorkloadId, type EventSpec, type OutcomeLike } from '../../src/kube/index.ts';

const change = (workload: string | undefined, container: string, from: string, to: string) => ({ workload, container, repository: 'registry.example.com/shop/web', from, to, file: 'apps/web.yaml' });
const report = (r: Partial<NonNullable<OutcomeLike['report']>>): OutcomeLike => ({ automation: 'fleet', report: { changes: [], problems: [], locked: [], ...r } });
const web = { namespace: 'shop', kind: 'Deployment', name: 'web' };

const cases: [string, OutcomeLike, EventSpec[]][] = [
  ['nothing to change: no Event', report({}), []],
  [
    'two containers of one workload updated: one Updated Event naming both and the commit',
    report({ commit: '0123456789abcdef0123', changes: [change('shop:deployment/web', 'web', '1.4.2', '1.5.0'), change('shop:deployment/web', 'sidecar', '2.0', '2.1')] }),
    [{ workload: web, reason: 'Updated', action: 'Update', note: 'web: registry.example.com/shop/web 1.4.2 → 1.5.0, sidecar: registry.example.com/shop/web 2.0 → 2.1 in commit 0123456789ab (automation fleet)' }],
  ],
  [
    'a change with no workload (a kustomization image): Updated, the file named in the note',
    report({ commit: 'abc', changes: [{ ...change(undefined, 'x', '1', '2'), container: undefined, file: 'apps/kustomization.yaml' }] }),
    [{ workload: undefined, reason: 'Updated', action: 'Update', note: 'apps/kustomization.yaml: registry.example.com/shop/web 1 → 2 in commit abc (automation fleet)' }],
  ],
  ['a locked workload: Blocked', report({ locked: ['shop:statefulset/db'] }), [{ workload: { namespace: 'shop', kind: 'StatefulSet', name: 'db' }, reason: 'Blocked', action: 'Hold', note: 'locked in Git (tagpilot.io/locked); tagpilot leaves it alone' }]],
  [
    'a locked workload whose slots say who and why: Blocked with both',
    report({ locked: ['shop:statefulset/db'], slots: [{ workload: 'shop:statefulset/db', hold: { kind: 'locked', by: 'alice@example.com', reason: 'incident 4711' } }] }),
    [{ workload: { namespace: 'shop', kind: 'StatefulSet', name: 'db' }, reason: 'Blocked', action: 'Hold', note: 'locked in Git (tagpilot.io/locked) by alice@example.com: incident 4711; tagpilot leaves it alone' }],
  ],
  ['a soaking candidate: Blocked with the code and the words of the problem', report({ problems: [{ code: 'soaking', subject: 'apps/web.yaml:14 shop:deployment/web', message: '1.6.0 is 2h old; min-age is 1d' }] }), [{ workload: web, reason: 'Blocked', action: 'Hold', note: 'soaking: 1.6.0 is 2h old; min-age is 1d' }]],
  [
    'a registry problem: Failed, Warning, by code',
    report({ problems: [{ code: 'registry-unreachable', subject: 'registry.example.com/shop/web', message: 'cannot reach registry at registry.example.com:443: ECONNREFUSED (after 4 attempts)' }] }),
    [{ workload: undefined, reason: 'Failed', action: 'Sync', note: 'registry.example.com/shop/web: registry-unreachable: cannot reach registry at registry.example.com:443: ECONNREFUSED (after 4 attempts)' }],
  ],
  ['the whole cycle failed: Failed on tagpilot itself', { automation: 'fleet', error: { code: 'push-refused', message: 'the remote refused the push: protected branch' } }, [{ reason: 'Failed', action: 'Sync', note: 'automation fleet: cycle failed (push-refused): the remote refused the push: protected branch' }]],
];
for (const [name, outcome, events] of cases) test(`events: ${name}`, () => assert.deepEqual(cycleEvents(outcome), events));

test('workload ids: namespace:kind/name of the kinds tagpilot reads; anything else has no workload in the cluster', () => {
  assert.deepEqual(parseWorkloadId('argo:rollout/canary'), { namespace: 'argo', kind: 'Rollout', name: 'canary' });
  assert.deepEqual(parseWorkloadId('batch:cronjob/nightly'), { namespace: 'batch', kind: 'CronJob', name: 'nightly' });
  for (const id of ['shop:helmrelease/web', 'deployment/web', 'shop:deployment/', 'Shop:deployment/web', 'apps/web.yaml:14']) assert.equal(parseWorkloadId(id), undefined, id);
});
