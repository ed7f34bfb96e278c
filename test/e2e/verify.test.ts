import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles } from '../harness/fleet.ts';
import type { Fields } from '../harness/kube/index.ts';
import { cluster, type Cluster } from '../kube/double.ts';
import { complete, pod, workload } from '../kube/rollout-fixtures.ts';
import { receiver } from '../notify/receiver.ts';

/**
 * tagpilot run in a "Pod" with verification and a signed webhook: the commit is notified, the
 * sync loop (this test) applies it to the API double, and the rollout is reported Verified as an
 * Event on the workload and a notification whose signature checks.
 */
const root = join(import.meta.dirname, '../..');
const HMAC_KEY = 'notify-key-0123';
let registry: TestRegistry;
let server: GitServer;
let k: Cluster;
let hooks: Awaited<ReturnType<typeof receiver>>;
let work: string;

before(async () => {
  [registry, server, k, hooks] = await Promise.all([startRegistry(), startGitServer(), cluster(['workload-events', 'verify']), receiver()]);
  for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
  work = mkdtempSync(join(tmpdir(), 'tagpilot-verify-e2e-'));
});
after(async () => {
  await Promise.all([registry.stop(), server.stop(), k.stop(), hooks.stop()]);
  rmSync(work, { recursive: true, force: true });
});

test('run in a Pod: a commit is notified, the applied rollout is Verified (an Event on the Deployment, a signed notification)', async () => {
  const bare = createBareRepo(server.root, 'fleet', fleetFiles(registry.host));
  const image = (tag: string) => `${registry.host}/team/web:${tag}`;
  k.api.apply(workload('Deployment', image('1.0.0'), complete('Deployment')));
  k.api.apply(pod('web-old', image('1.0.0')));
  const file = join(work, 'tagpilot.yaml');
  writeFileSync(
    file,
    `git:\n  url: ${server.repoUrl('fleet')}\n  paths: [apps]\nregistries:\n  - { host: "${registry.host}", insecure: true }\ninterval: 1h\nverify: { deadline: 60s, interval: 1s }\nnotify:\n  - { name: audit, type: webhook, url: "${hooks.url()}", secret: { env: HMAC_KEY }, events: [updated, verified, failed] }\ncacheDir: cache\n`,
  );
  const env = { PATH: process.env.PATH, LOG_LEVEL: 'info', LOG_FORMAT: 'json', KUBECONFIG: k.kubeconfig, POD_NAME: 'tagpilot-7c9d-x2k4p', POD_NAMESPACE: 'tagpilot', HMAC_KEY };
  const child = spawn(process.execPath, ['src/cli/main.ts', 'run', '--config', file], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env });
  let logs = '';
  child.stderr.on('data', (c: Buffer) => (logs += c));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const kinds = () => hooks.received.map((r) => JSON.parse(r.body) as { kind: string; workload: string; tag: string });
  const until = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 40_000;
    while (!done()) {
      if (Date.now() > deadline) assert.fail(`${what} not in time:\n${logs}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await until('the updated notification', () => kinds().some((e) => e.kind === 'updated' && e.workload === 'shop:deployment/web'));
    const commit = git(bare, 'rev-parse', 'main').trim();
    // The sync loop applies the commit; the new ReplicaSet's Pods replace the old.
    k.api.apply(workload('Deployment', image('1.2.0'), { generation: 3, observed: 3, ...complete('Deployment') }));
    k.api.remove('v1', 'Pod', 'shop', 'web-old');
    k.api.apply(pod('web-new', image('1.2.0')));
    await until('the verified notification', () => kinds().some((e) => e.kind === 'verified'));
    const verified = hooks.received.find((r) => JSON.parse(r.body).kind === 'verified')!;
    assert.equal(verified.headers['x-tagpilot-signature'], `sha256=${createHmac('sha256', HMAC_KEY).update(verified.body).digest('hex')}`);
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
