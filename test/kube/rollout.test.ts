import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeRollout, verifyDeadline, verifyTargets, type Verdict } from '../../src/kube/index.ts';
import { livePod, liveWorkload } from '../../src/kube/live.ts';
import { complete, DIGEST, expected, IMAGE_NEW, IMAGE_OLD, pod, workload, type PodFields, type StatusFields } from './rollout-fixtures.ts';

const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'];

function judge(kind: string, image: string, status: StatusFields, pods: { image: string; f?: PodFields }[] = [], expired = false): Verdict {
  return judgeRollout(
    liveWorkload(kind, workload(kind, image, status)),
    pods.map((p, i) => livePod(pod(`web-${i}`, p.image, p.f))),
    expected,
    expired,
  );
}
const outcome = (v: Verdict) => (v.done ? (v.outcome === 'Failed' ? `Failed(${v.reason})` : v.outcome) : `pending:${v.stage}`);
const newPods = [{ image: IMAGE_NEW }, { image: IMAGE_NEW }];

for (const kind of KINDS) {
  test(`rollout ${kind}: spec not yet applied → waiting; at the deadline → NotApplied`, () => {
    assert.equal(outcome(judge(kind, IMAGE_OLD, complete(kind), [{ image: IMAGE_OLD }])), 'pending:waiting-for-spec');
    assert.equal(outcome(judge(kind, IMAGE_OLD, complete(kind), [{ image: IMAGE_OLD }], true)), 'NotApplied');
  });

  test(`rollout ${kind}: a status progression ends Verified only when complete`, () => {
    const steps: [StatusFields, string][] = [
      [{ generation: 3, observed: 2, ...complete(kind) }, 'pending:rolling-out'],
      [{ generation: 3, observed: 3, updated: 1, ready: 2, available: 2, conditions: complete(kind).conditions, phase: kind === 'Rollout' ? 'Progressing' : undefined }, 'pending:rolling-out'],
      [{ generation: 3, observed: 3, ...complete(kind) }, 'Verified'],
    ];
    for (const [status, want] of steps) assert.equal(outcome(judge(kind, IMAGE_NEW, status, newPods)), want, JSON.stringify(status));
  });

  test(`rollout ${kind}: a Pod of the new image in ImagePullBackOff fails it with that reason, before the status completes`, () => {
    assert.equal(outcome(judge(kind, IMAGE_NEW, { updated: 1, ready: 1, available: 1 }, [{ image: IMAGE_OLD }, { image: IMAGE_NEW, f: { waiting: 'ImagePullBackOff' } }])), 'Failed(ImagePullBackOff)');
  });

  test(`rollout ${kind}: a status that never completes is Failed(DeadlineExceeded) at the deadline`, () => {
    assert.equal(outcome(judge(kind, IMAGE_NEW, { updated: 1, ready: 1, available: 1 }, newPods, true)), 'Failed(DeadlineExceeded)');
  });
}

test('rollout: CrashLoopBackOff and ErrImagePull are failures; ContainerCreating is not', () => {
  const status = { updated: 1, ready: 1, available: 1 };
  assert.equal(outcome(judge('Deployment', IMAGE_NEW, status, [{ image: IMAGE_NEW, f: { waiting: 'CrashLoopBackOff' } }])), 'Failed(CrashLoopBackOff)');
  assert.equal(outcome(judge('Deployment', IMAGE_NEW, status, [{ image: IMAGE_NEW, f: { waiting: 'ErrImagePull' } }])), 'Failed(ErrImagePull)');
  assert.equal(outcome(judge('Deployment', IMAGE_NEW, status, [{ image: IMAGE_NEW, f: { waiting: 'ContainerCreating' } }])), 'pending:rolling-out');
});

test("rollout: an old Pod's failure is not the new image's", () => {
  assert.equal(outcome(judge('Deployment', IMAGE_NEW, { updated: 1 }, [{ image: IMAGE_OLD, f: { waiting: 'CrashLoopBackOff' } }])), 'pending:rolling-out');
});

test('rollout: a Deployment past its progress deadline fails with ProgressDeadlineExceeded', () => {
  const conditions = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-7d9" has timed out progressing.' }];
  const v = judge('Deployment', IMAGE_NEW, { updated: 1, ready: 1, available: 1, conditions }, newPods);
  assert.equal(outcome(v), 'Failed(ProgressDeadlineExceeded)');
  assert.match(v.done ? v.detail : '', /timed out progressing/);
});

test('rollout: a Deployment whose counts are complete but Available is False is not verified', () => {
  const conditions = [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }];
  assert.equal(outcome(judge('Deployment', IMAGE_NEW, { updated: 2, ready: 2, available: 2, conditions }, newPods)), 'pending:rolling-out');
});

test('rollout: a Degraded Argo Rollout fails with RolloutDegraded', () => {
  assert.equal(outcome(judge('Rollout', IMAGE_NEW, { phase: 'Degraded' }, newPods)), 'Failed(RolloutDegraded)');
});

test('rollout: complete status but an old Pod still running waits for the Pods', () => {
  assert.equal(outcome(judge('Deployment', IMAGE_NEW, complete('Deployment'), [{ image: IMAGE_NEW }, { image: IMAGE_OLD }])), 'pending:waiting-for-pods');
  assert.equal(outcome(judge('Deployment', IMAGE_NEW, complete('Deployment'), [{ image: IMAGE_NEW }, { image: IMAGE_OLD, f: { deleting: true } }])), 'Verified');
});

test('rollout: a pinned digest must be the one the Pods run', () => {
  const pinned = [{ container: 'web', repository: 'registry.example.com/shop/web', to: `1.5.0@${DIGEST}` }];
  const image = `${IMAGE_NEW}@${DIGEST}`;
  const live = liveWorkload('Deployment', workload('Deployment', image, complete('Deployment')));
  const running = (imageID: string) => judgeRollout(live, [livePod(pod('web-a', image, { imageID }))], pinned, false);
  assert.equal(outcome(running(`registry.example.com/shop/web@${DIGEST}`)), 'Verified');
  assert.equal(outcome(running(`registry.example.com/shop/web@sha256:${'b'.repeat(64)}`)), 'pending:waiting-for-pods');
});

test('rollout: hostile objects (wrong types, missing fields) are read as nothing, never thrown on', () => {
  const live = liveWorkload('Deployment', { metadata: 'x', spec: { template: { spec: { containers: [{ name: 1 }, null] } } }, status: { conditions: 'no' } });
  assert.deepEqual(live.containers, []);
  assert.equal(outcome(judgeRollout(live, [livePod(null)], expected, true)), 'NotApplied');
});

test('verify deadline: the annotation takes durations between 10s and 24h, or off', () => {
  const cases: [string | undefined, ReturnType<typeof verifyDeadline>][] = [
    [undefined, {}],
    ['10m', { ms: 600_000 }],
    ['1h30m', { ms: 5_400_000 }],
    ['off', { off: true }],
    ['false', { off: true }],
  ];
  for (const [value, want] of cases) assert.deepEqual(verifyDeadline(value), want, String(value));
  for (const bad of ['1s', '2d', 'soon', '']) assert.match(verifyDeadline(bad).problem ?? '', /between 10s and 24h/, bad);
});

test('verify targets: one per workload with a rollout status that the pushed commit moved', () => {
  const change = (workload: string | undefined, container: string, to: string) => ({ workload, container, repository: 'r', to });
  const report = { commit: 'c0ffee', changes: [change('shop:deployment/web', 'web', '2'), change('shop:deployment/web', 'side', '3'), change('shop:cronjob/nightly', 'job', '4'), change(undefined, 'x', '5')] };
  const targets = verifyTargets('fleet', report, 60_000);
  assert.deepEqual(targets, [
    {
      automation: 'fleet',
      workload: { namespace: 'shop', kind: 'Deployment', name: 'web' },
      commit: 'c0ffee',
      deadlineMs: 60_000,
      expected: [
        { container: 'web', repository: 'r', to: '2' },
        { container: 'side', repository: 'r', to: '3' },
      ],
    },
  ]);
  assert.deepEqual(verifyTargets('fleet', { changes: report.changes }), []);
});
