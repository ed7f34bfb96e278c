import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles } from '../harness/fleet.ts';
import { startController, type ControllerChild } from '../harness/controller.ts';
import { cluster, type Cluster } from '../kube/double.ts';
import { automationKey, preferredHolder } from '../../src/kube/lease-decision.ts';

/**
 * Two `tagpilot controller` replicas in "Pods" against the API double enforcing config/'s RBAC,
 * the real registry and the real Git server: one Lease per automation shares the automations
 * out, and a replica killed with -9 loses its automations to the other.
 */
const LEASE_MS = 2000;
const AUTOMATIONS = ['alpha', 'beta'];
let registry: TestRegistry;
let server: GitServer;
let k: Cluster;
let work: string;

before(async () => {
  [registry, server, k] = await Promise.all([startRegistry(), startGitServer(), cluster(['workload-events'])]);
  for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
  work = mkdtempSync(join(tmpdir(), 'tagpilot-kube-controller-'));
});
after(async () => {
  await Promise.all([registry.stop(), server.stop(), k.stop()]);
  rmSync(work, { recursive: true, force: true });
});

/** One replica's config (its own cache, as each Pod has its own emptyDir). */
function config(replica: string): string {
  const entries = AUTOMATIONS.map((name) => `  - name: ${name}\n    git:\n      url: ${server.repoUrl(name)}\n      insecure: true\n      paths: [apps]\n      author: { name: tagpilot-bot, email: bot@example.com }\n`);
  const file = join(work, `${replica}.yaml`);
  writeFileSync(file, `automations:\n${entries.join('')}registries:\n  - { host: "${registry.host}", insecure: true }\ncacheDir: ${join(work, `cache-${replica}`)}\ninterval: 1s\nleaderElection: { leaseDuration: ${LEASE_MS / 1000}s }\nserver: { address: 127.0.0.1, port: 0 }\n`);
  return file;
}

/** Who holds an automation's Lease, per the double. */
function holder(automation: string): string | undefined {
  const lease = k.api.list('coordination.k8s.io/v1', 'Lease', 'tagpilot').find((l) => (l.metadata.annotations as Record<string, string> | undefined)?.['tagpilot.io/automation'] === automation);
  return (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
}

/** The cycles (idle ones too, at debug) a replica ran for an automation; `committed` only those that committed. */
function cycles(c: ControllerChild, automation: string, committed = false): number {
  const msg = committed ? /^cycle: committed$/ : /^cycle: (committed|nothing to change)$/;
  return c.lines.filter((l) => l.automation === automation && msg.test(String(l.msg))).length;
}

async function until(what: string, done: () => boolean, logs: () => string, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`${what} not within ${ms} ms:\n${logs()}`);
    await sleep(50);
  }
}

test('controller with two replicas: each automation is cycled by exactly one replica; kill -9 one and the other takes its automations over and commits', async (t) => {
  const bares = Object.fromEntries(AUTOMATIONS.map((name) => [name, createBareRepo(server.root, name, fleetFiles(registry.host))]));
  // Names rendezvous hashing splits: one automation per replica.
  const pods = ['tagpilot-5f6b-a', 'tagpilot-5f6b-b'];
  const replicas = await Promise.all(pods.map((pod) => startController(config(pod), { KUBECONFIG: k.kubeconfig, POD_NAME: pod, POD_NAMESPACE: 'tagpilot', LOG_LEVEL: 'debug' })));
  const byPod = (pod: string | undefined) => replicas[pods.indexOf(pod ?? '')];
  const logs = () => replicas.map((r, i) => `--- ${pods[i]}\n${r.log()}`).join('\n');
  try {
    await until('the first commit of every automation', () => AUTOMATIONS.every((a) => git(bares[a]!, 'rev-list', '--count', 'main').trim() === '2'), logs);
    // Rendezvous hashing may hand an automation over once both replicas are members: wait until each Lease stays put for three cycles of its holder.
    for (const automation of AUTOMATIONS) {
      let settled = false;
      for (let round = 0; round < 3 && !settled; round++) {
        await until(`a holder of ${automation}`, () => byPod(holder(automation)) !== undefined, logs);
        const pod = holder(automation)!;
        const seen = cycles(byPod(pod)!, automation);
        await until(`three cycles of ${automation} on ${pod}, or a hand-over`, () => cycles(byPod(pod)!, automation) >= seen + 3 || holder(automation) !== pod, logs);
        settled = holder(automation) === pod;
      }
      assert.ok(settled, `the Lease of ${automation} settles on one replica\n${logs()}`);
    }
    const members = pods.map((identity) => ({ identity, serves: new Set(AUTOMATIONS.map(automationKey)) }));
    assert.deepEqual(
      AUTOMATIONS.map(holder),
      AUTOMATIONS.map((a) => preferredHolder(a, members)),
      'the automations are spread over the replicas',
    );
    assert.equal(new Set(AUTOMATIONS.map(holder)).size, 2, 'one automation on each replica');
    // Exactly one replica cycles each automation: the other's count stands still while the holder's goes on.
    const others = AUTOMATIONS.map((a) => ({ a, other: replicas.find((r) => r !== byPod(holder(a)))!, holder: byPod(holder(a))! }));
    const before = others.map(({ a, other, holder: h }) => [cycles(other, a), cycles(h, a)] as const);
    await until('three more cycles of every automation on its holder', () => others.every(({ a, holder: h }, i) => cycles(h, a) >= before[i]![1] + 3), logs);
    for (const [i, { a, other }] of others.entries()) assert.equal(cycles(other, a), before[i]![0], `${a}: only its Lease holder cycles it\n${logs()}`);
    for (const r of replicas) {
      const ready = await r.get('/readyz');
      assert.equal(ready.status, 200, ready.body);
    }

    const victim = byPod(holder('alpha'))!;
    const survivor = replicas.find((r) => r !== victim)!;
    const survivorPod = pods[replicas.indexOf(survivor)]!;
    const lost = AUTOMATIONS.filter((a) => byPod(holder(a)) === victim);
    const committedBefore = Object.fromEntries(AUTOMATIONS.map((a) => [a, cycles(survivor, a, true)]));
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    const killedAt = Date.now();
    await seedTags(registry.url, 'team/queue', versionTags(['2.3.9']));
    await until('the survivor commits the new tag in every automation', () => AUTOMATIONS.every((a) => cycles(survivor, a, true) === committedBefore[a]! + 1), logs);
    const took = Date.now() - killedAt;
    t.diagnostic(`${lost.join(', ')} taken over and committed ${took} ms after the kill (lease ${LEASE_MS} ms, interval 1 s)`);
    // Lease duration, plus a round, plus one cycle (1 s interval; a cycle here takes well under 2 s unloaded).
    assert.ok(took < LEASE_MS + 1000 + 6000, `taken over and committed ${took} ms after the kill`);
    for (const a of AUTOMATIONS) {
      assert.match(git(bares[a]!, 'show', 'main:apps/workers.yaml'), /team\/queue:2\.3\.9/);
      assert.equal(git(bares[a]!, 'rev-list', '--count', 'main').trim(), '3', `${a}: one commit per change, none lost, none twice`);
      assert.equal(holder(a), survivorPod);
    }
    assert.equal((await survivor.get('/readyz')).status, 200);

    assert.equal(await survivor.stop(), 0, logs());
    for (const a of AUTOMATIONS) assert.equal(holder(a), undefined, `${a}: released on SIGTERM, after the cycles`);
    assert.deepEqual(
      k.api.calls.filter((c) => c.status === 403),
      [],
      "config/'s Role (with workload-events) grants what the controller does in the cluster",
    );
  } finally {
    for (const r of replicas) r.child.kill('SIGKILL');
  }
});
