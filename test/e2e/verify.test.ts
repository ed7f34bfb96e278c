import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles } from '../harness/fleet.ts';
import type { Fields } from '../harness/kube/index.ts';
import { waitUntil } from '../kube/double.ts';
import { complete, pod, workload } from '../kube/rollout-fixtures.ts';
import { signatureOf, usePodStack } from './pod-harness.ts';

/**
 * tagpilot run in a "Pod" with verification and a signed webhook: the commit is notified, the
 * sync loop (this test) applies it to the API double, and the rollout is reported Verified as an
 * Event on the workload and a notification whose signature checks.
 */
const root = join(import.meta.dirname, '../..');
const stack = usePodStack('verify-e2e', FLEET_TAGS);

test('run in a Pod: a commit is notified, the applied rollout is Verified (an Event on the Deployment, a signed notification)', async () => {
  const { registry, server, k, hooks, work, image } = stack;
  const bare = createBareRepo(server.root, 'fleet', fleetFiles(registry.host));
  k.api.apply(workload('Deployment', image('1.0.0'), complete('Deployment')));
  k.api.apply(pod('web-old', image('1.0.0')));
  const file = join(work, 'tagpilot.yaml');
  writeFileSync(
    file,
    `git:\n  url: ${server.repoUrl('fleet')}\n  paths: [apps]\nregistries:\n  - { host: "${registry.host}", insecure: true }\ninterval: 1h\nverify: { deadline: 60s, interval: 1s }\nnotify:\n  - { name: audit, type: webhook, url: "${hooks.url()}", secret: { env: HMAC_KEY }, events: [updated, verified, failed] }\ncacheDir: cache\n`,
  );
  const env = { PATH: process.env.PATH, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...stack.env() };
  const child = spawn(process.execPath, ['src/cli/main.ts', 'run', '--config', file], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env });
  let logs = '';
  child.stderr.on('data', (c: Buffer) => (logs += c));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const kinds = () => hooks.received.map((r) => JSON.parse(r.body) as { kind: string; workload: string; tag: string });
  const until = (what: string, done: () => boolean) => waitUntil(what, done, () => logs, 40_000);
  try {
    await until('the updated notification', () => kinds().some((e) => e.kind === 'updated' && e.workload === 'shop:deployment/web'));
    const commit = git(bare, 'rev-parse', 'main').trim();
    // The sync loop applies the commit; the new ReplicaSet's Pods replace the old.
    k.api.apply(workload('Deployment', image('1.2.0'), { generation: 3, observed: 3, ...complete('Deployment') }));
    k.api.remove('v1', 'Pod', 'shop', 'web-old');
    k.api.apply(pod('web-new', image('1.2.0')));
    await until('the verified notification', () => kinds().some((e) => e.kind === 'verified'));
    const verified = hooks.received.find((r) => JSON.parse(r.body).kind === 'verified')!;
    assert.equal(verified.headers['x-tagpilot-signature'], signatureOf(verified.body));
    assert.deepEqual(
      { ...JSON.parse(verified.body), text: undefined, timestamp: undefined, detail: undefined },
      { kind: 'verified', automation: JSON.parse(verified.body).automation, workload: 'shop:deployment/web', repository: `${registry.host}/team/web`, tag: '1.2.0', commit, text: undefined, timestamp: undefined, detail: undefined },
    );
    await until('the Verified Event', () => (k.api.list('events.k8s.io/v1', 'Event', 'shop') as Fields[]).some((e) => e.reason === 'Verified'));
    const event = (k.api.list('events.k8s.io/v1', 'Event', 'shop') as Fields[]).find((e) => e.reason === 'Verified')!;
    assert.equal(event.regarding.name, 'web');
    assert.match(event.note, new RegExp(`commit ${commit.slice(0, 12)}`));
    assert.match(logs, /"msg":"verify: shop:Deployment\/web Verified/);
    assert.deepEqual(k.api.refused, []);
    assert.deepEqual(
      k.api.calls.filter((c) => c.status === 403),
      [],
      'config/ with the verify component grants everything verification needs',
    );
  } finally {
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, logs);
  }
});
