import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
import { cluster, gitAuth, hookReceiver, POD, putSecret, type Cluster, type HookReceiver } from '../kube/double.ts';

/**
 * tagpilot run in a "Pod" against the real registry and Git server and the API double enforcing
 * config/'s RBAC (with the workload-events component): the Git token from a Secret, an Event on
 * the workload, a nudge to the sync loop, and a rotated Secret used on the next cycle.
 */
const root = join(import.meta.dirname, '../..');
const auth = gitAuth();
let registry: TestRegistry;
let server: GitServer;
let k: Cluster;
let work: string;
let hooks: HookReceiver;

before(async () => {
  [registry, server, k, hooks] = await Promise.all([startRegistry(), startGitServer({ auth }), cluster(['workload-events']), hookReceiver()]);
  for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
  k.api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: {} });
  putSecret(k.api, 'tagpilot-deploy-key', { token: auth.password });
  work = mkdtempSync(join(tmpdir(), 'tagpilot-kube-e2e-'));
});
after(async () => {
  await Promise.all([registry.stop(), server.stop(), k.stop(), hooks.stop()]);
  rmSync(work, { recursive: true, force: true });
});

function config(repo: string, extra = '', name = repo): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    `git:\n  url: ${server.repoUrl(repo)}\n  insecure: true\n  paths: [apps]\n  auth:\n    username: ${auth.username}\n    password: { secret: { name: tagpilot-deploy-key, key: token } }\nregistries:\n  - { host: "${registry.host}", insecure: true }\nnudge:\n  flux: { url: "${hooks.url}/hook/generic", type: generic }\ncacheDir: cache-${name}\n${extra}`,
  );
  return file;
}

/** tagpilot in a child process (the double answers from this one), as its Pod would run it; at debug, where idle cycles log their summary line (the tests count cycles). */
function start(args: string[], pod: Partial<typeof POD> = {}) {
  const child = spawn(process.execPath, ['src/cli/main.ts', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH, LOG_LEVEL: 'debug', LOG_FORMAT: 'json', KUBECONFIG: k.kubeconfig, ...POD, ...pod } });
  let logs = '';
  child.stderr.on('data', (c: Buffer) => (logs += c));
  return { child, logs: () => logs, exited: once(child, 'exit') as Promise<[number | null]> };
}

async function until(what: string, done: () => boolean, logs: () => string, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`${what} not within ${ms} ms:\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('run --once in a Pod: the Git token comes from a Secret, the commit gets an Updated Event on the workload and a nudge', async () => {
  const bare = createBareRepo(server.root, 'fleet', fleetFiles(registry.host));
  const run = start(['run', '--once', '--config', config('fleet')]);
  const [code] = await run.exited;
  assert.equal(code, 0, run.logs());
  const commit = git(bare, 'rev-parse', 'main').trim();
  assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '2');

  const events = k.api.list('events.k8s.io/v1', 'Event', 'shop') as Fields[];
  const updated = events.find((e) => e.reason === 'Updated');
  assert.equal(updated?.regarding.kind, 'Deployment');
  assert.equal(updated?.regarding.name, 'web');
  assert.match(updated?.note, new RegExp(`team/web 1\\.0\\.0 → 1\\.2\\.0 in commit ${commit.slice(0, 12)}`));
  assert.equal(updated?.reportingInstance, POD.POD_NAME);
  const own = k.api.list('events.k8s.io/v1', 'Event', 'tagpilot') as Fields[];
  assert.ok(
    own.some((e) => e.reason === 'Updated' && /default:statefulset\/queue/.test(e.note)),
    "a workload the cluster lacks: on tagpilot's Pod",
  );

  assert.equal(hooks.received.length, 1);
  assert.deepEqual(k.api.refused, []);
  assert.deepEqual(
    k.api.calls.filter((c) => c.status === 403),
    [],
    'config/ (base + workload-events) grants everything run needs',
  );
  assert.ok(!run.logs().includes(auth.password), 'the token never reaches the logs');
  assert.ok(!JSON.stringify([...events, ...own]).includes(auth.password), 'nor any Event');
});

test('run: a token rotated in the Secret (and on the Git server) is used on the next cycle, without a restart', async () => {
  const bare = createBareRepo(server.root, 'rotate', fleetFiles(registry.host));
  const run = start(['run', '--config', config('rotate', 'interval: 1s\n')]);
  const committed = () => (run.logs().match(/"msg":"cycle: committed"/g) ?? []).length;
  try {
    await until('the first commit', () => committed() === 1, run.logs);
    auth.password = 'git-token-TWO';
    putSecret(k.api, 'tagpilot-deploy-key', { token: auth.password });
    await seedTags(registry.url, 'team/queue', versionTags(['2.3.5']));
    await until('a commit with the rotated token', () => committed() === 2, run.logs);
    assert.match(git(bare, 'show', 'main:apps/workers.yaml'), /team\/queue:2\.3\.5/);
    assert.doesNotMatch(run.logs(), /"msg":"cycle failed"/, 'no cycle ran with the old token');
  } finally {
    run.child.kill('SIGTERM');
    const [code] = await run.exited;
    assert.equal(code, 0, run.logs());
  }
});

/** Who holds the Lease of `tagpilot run`'s automation (keyed by its repository and branch), per the double. */
function leaseHolder(url: string): string | undefined {
  const lease = k.api.list('coordination.k8s.io/v1', 'Lease', 'tagpilot').find((l) => (l.metadata.annotations as Record<string, string> | undefined)?.['tagpilot.io/automation'] === `${url}#main`);
  return (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
}

test('run with two replicas: one cycles, the other stands by; kill -9 the leader and the other commits within the lease duration plus a cycle; SIGTERM releases the Lease', async (t) => {
  const LEASE_MS = 2000;
  const bare = createBareRepo(server.root, 'failover', fleetFiles(registry.host));
  const extra = `interval: 1s\nleaderElection: { leaseDuration: ${LEASE_MS / 1000}s }\n`;
  const replicas = ['a', 'b'].map((r) => ({ pod: `tagpilot-5f6b-${r}`, run: start(['run', '--config', config('failover', extra, `failover-${r}`)], { POD_NAME: `tagpilot-5f6b-${r}` }) }));
  const logs = () => replicas.map((r) => `--- ${r.pod}\n${r.run.logs()}`).join('\n');
  const commits = () => replicas.map((r) => (r.run.logs().match(/"msg":"cycle: committed"/g) ?? []).length);
  const cycles = (r: (typeof replicas)[number]) => (r.run.logs().match(/"msg":"cycle: (committed|nothing to change)"/g) ?? []).length;
  try {
    await until('the first commit', () => commits().reduce((a, b) => a + b) === 1, logs);
    const url = server.repoUrl('failover');
    // The first holder may hand the Lease to the replica rendezvous hashing picks once both are members: the leader is the one that keeps it.
    let leader: (typeof replicas)[number] | undefined;
    for (let round = 0; round < 3 && leader === undefined; round++) {
      await until('a Lease holder', () => leaseHolder(url) !== undefined, logs);
      const holder = replicas.find((r) => r.pod === leaseHolder(url))!;
      const held = cycles(holder);
      await until('three cycles of the holder, or a hand-over', () => cycles(holder) >= held + 3 || leaseHolder(url) !== holder.pod, logs);
      if (leaseHolder(url) === holder.pod) leader = holder;
    }
    assert.ok(leader !== undefined, `the Lease settles on one replica\n${logs()}`);
    const standby = replicas.find((r) => r !== leader)!;
    // A few rounds: the standby sees the leader's renewals, and cycles no more.
    const [led, stood] = [cycles(leader), cycles(standby)];
    await until('three more cycles of the leader', () => cycles(leader) >= led + 3, logs);
    assert.equal(cycles(standby), stood, `the standby does not cycle while the other holds the Lease\n${logs()}`);
    assert.equal(leaseHolder(url), leader.pod);

    leader.run.child.kill('SIGKILL');
    await leader.run.exited;
    const killedAt = Date.now();
    // The standby may have made the first commit itself, before a hand-over at start.
    const committedBefore = commits()[replicas.indexOf(standby)]!;
    await seedTags(registry.url, 'team/queue', versionTags(['2.3.9']));
    await until('the standby commits the new tag', () => commits()[replicas.indexOf(standby)] === committedBefore + 1, logs);
    const took = Date.now() - killedAt;
    t.diagnostic(`taken over and committed ${took} ms after the kill (lease ${LEASE_MS} ms, interval 1 s)`);
    assert.match(git(bare, 'show', 'main:apps/workers.yaml'), /team\/queue:2\.3\.9/);
    assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '3', 'one commit per change: none lost, none twice');
    // Lease duration, plus a round, plus one cycle (1 s interval; a cycle here takes well under 2 s unloaded).
    assert.ok(took < LEASE_MS + 1000 + 6000, `taken over and committed ${took} ms after the kill`);
    assert.equal(leaseHolder(url), standby.pod);

    standby.run.child.kill('SIGTERM');
    const [code] = await standby.run.exited;
    assert.equal(code, 0, logs());
    assert.equal(leaseHolder(url), undefined, 'released on SIGTERM: the next replica need not wait for it to expire');
    assert.deepEqual(
      k.api.calls.filter((c) => c.status === 403),
      [],
      "config/'s Role grants what leader election does",
    );
  } finally {
    for (const r of replicas) r.run.child.kill('SIGKILL');
  }
});
