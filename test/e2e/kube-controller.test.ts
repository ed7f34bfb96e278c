import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles } from '../harness/fleet.ts';
import { startController, type ControllerChild } from '../harness/controller.ts';
import { closedPort } from '../harness/ports.ts';
import parsePrometheus from 'parse-prometheus-text-format';
import { cluster, eventsIn, gitAuth, hookReceiver, POD, putSecret, waitUntil as until, type Cluster, type HookReceiver } from '../kube/double.ts';
import { automationKey, preferredHolder } from '../../src/kube/lease-decision.ts';

/**
 * `tagpilot controller` in "Pods" against the API double enforcing config/'s RBAC (with the
 * workload-events component), the real registry and the real Git server: one Lease per automation
 * shares the automations out, and a replica killed with -9 loses its automations to the other;
 * Events on the workloads named in Git, folded into series; a Git token from a Secret, rotated
 * without a restart; nudges naming the branch pushed to; reloads of leaderElection, nudge and
 * webhooks.
 */
const LEASE_MS = 2000;
const AUTOMATIONS = ['alpha', 'beta'];
/** The authed Git server's credentials: the test changes the password to rotate it. */
const auth = gitAuth();
// The tests share the registry: each one that pushes a team/queue tag pushes a newer one than the tests before it (2.3.9, 2.3.10, 2.3.11).
let registry: TestRegistry;
let server: GitServer;
let authed: GitServer;
let k: Cluster;
let hooks: HookReceiver;
let work: string;

before(async () => {
  [registry, server, authed, k, hooks] = await Promise.all([startRegistry(), startGitServer(), startGitServer({ auth }), cluster(['workload-events']), hookReceiver()]);
  for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
  for (const name of ['web', 'held', 'ghost']) k.api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'shop' }, spec: {} });
  putSecret(k.api, 'tagpilot-deploy-key', { token: auth.password });
  work = mkdtempSync(join(tmpdir(), 'tagpilot-kube-controller-'));
});
after(async () => {
  await Promise.all([registry.stop(), server.stop(), authed.stop(), k.stop(), hooks.stop()]);
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
    const seenBefore = survivor.lines.length;
    await seedTags(registry.url, 'team/queue', versionTags(['2.3.9']));
    await until('the survivor commits the new tag in every automation', () => AUTOMATIONS.every((a) => cycles(survivor, a, true) === committedBefore[a]! + 1), logs);
    const took = Date.now() - killedAt;
    // The committing cycles as long as they took: a cycle takes well under 2 s unloaded, 5 s and more on a busy machine.
    const cycleMs = Math.max(
      ...survivor.lines
        .slice(seenBefore)
        .filter((l) => lost.includes(String(l.automation)) && l.msg === 'cycle: committed')
        .map((l) => Number(l.ms)),
    );
    t.diagnostic(`${lost.join(', ')} taken over and committed ${took} ms after the kill (lease ${LEASE_MS} ms, interval 1 s, the committing cycle ${cycleMs} ms)`);
    // Lease duration, plus a round and its jitter, plus the interval and the committing cycle, plus 2 s of slack.
    assert.ok(took < LEASE_MS + 1000 + 1000 + cycleMs + 2000, `taken over and committed ${took} ms after the kill (the committing cycle took ${cycleMs} ms)`);
    for (const a of AUTOMATIONS) {
      assert.match(git(bares[a]!, 'show', 'main:apps/workers.yaml'), /team\/queue:2\.3\.9/);
      assert.equal(git(bares[a]!, 'rev-list', '--count', 'main').trim(), '3', `${a}: one commit per change, none lost, none twice`);
      assert.equal(holder(a), survivorPod);
    }
    assert.equal((await survivor.get('/readyz')).status, 200);

    assert.equal(await survivor.stop(), 0, logs());
    for (const a of AUTOMATIONS) assert.equal(holder(a), undefined, `${a}: released on SIGTERM, after the cycles\n${logs()}`);
    assert.deepEqual(
      k.api.calls.filter((c) => c.status === 403),
      [],
      "config/'s Role (with workload-events) grants what the controller does in the cluster",
    );
  } finally {
    for (const r of replicas) r.child.kill('SIGKILL');
  }
});

/** The fleet, plus a workload locked in Git and one whose image is in no registry. */
function eventfulFiles(host: string): Record<string, string> {
  const deployment = (name: string, image: string, annotations: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: shop\n  annotations:\n    tagpilot.io/automated: "true"\n    tagpilot.io/tag.${name}: semver:^1.0.0\n${annotations}spec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ${image}\n`;
  return {
    ...fleetFiles(host),
    'apps/held.yaml': deployment('held', `${host}/team/web:1.0.0`, '    tagpilot.io/locked: "true"\n    tagpilot.io/locked-by: alice@example.com\n    tagpilot.io/locked-reason: incident 4711\n'),
    'apps/ghost.yaml': deployment('ghost', `${host}/team/ghost:1.0.0`, ''),
  };
}

/** One Pod's config: `automations` YAML entries, with the registry, an interval and a cache of its own. */
function podConfig(file: string, automations: string[], extra = '', interval = '1s'): string {
  const path = join(work, file);
  writeFileSync(path, `automations:\n${automations.join('')}registries:\n  - { host: "${registry.host}", insecure: true }\ncacheDir: ${join(work, `cache-${file}`)}\ninterval: ${interval}\nserver: { address: 127.0.0.1, port: 0 }\n${extra}`);
  return path;
}

function automation(name: string, url: string, more = ''): string {
  return `  - name: ${name}\n    git:\n      url: ${url}\n      insecure: true\n      paths: [apps]\n      author: { name: tagpilot-bot, email: bot@example.com }\n${more}`;
}

/** Who an Event is about: `Kind/name`. */
const about = (e: { regarding: { kind: string; name: string } }) => `${e.regarding.kind}/${e.regarding.name}`;

test('controller in a Pod: an Updated Event on the workload named in Git (old → new, the commit), Blocked for a lock (who, why) and Failed for a missing image, repeats folded into series; the nudge names the branch pushed to', async () => {
  const shop = createBareRepo(server.root, 'events', eventfulFiles(registry.host));
  createBareRepo(server.root, 'staged', fleetFiles(registry.host));
  const config = podConfig('events.yaml', [automation('shop', server.repoUrl('events')), automation('staged', server.repoUrl('staged'), '      pushBranch: deploy\n')], `leaderElection: { enabled: false }\nnudge:\n  argocd: { url: "${hooks.url}" }\n`);
  const c = await startController(config, { KUBECONFIG: k.kubeconfig, ...POD, LOG_LEVEL: 'debug' });
  try {
    await until('a commit on main and on deploy', () => cycles(c, 'shop', true) === 1 && cycles(c, 'staged', true) === 1, c.log);
    // A few more cycles, each reporting the same lock and the same missing image again.
    const seen = cycles(c, 'shop');
    await until('three more cycles of shop', () => cycles(c, 'shop') >= seen + 3, c.log);
    await until('both nudges', () => hooks.received.length >= 2, c.log);
    const scraped = await metrics(c);
    assert.ok((scraped['tagpilot_events_total{reason="Updated",written="created"}'] ?? 0) >= 3, JSON.stringify(scraped));
    assert.ok((scraped['tagpilot_events_total{reason="Blocked",written="folded"}'] ?? 0) >= 3, JSON.stringify(scraped));
    assert.equal(scraped['tagpilot_nudges_total{target="argocd",outcome="ok"}'], 2);
  } finally {
    // SIGTERM writes the series counts the minute's flush would have.
    assert.equal(await c.stop(), 0, c.log());
  }
  const commit = git(shop, 'rev-parse', 'main').trim();
  const events = eventsIn(k.api, 'shop');
  const updated = events.filter((e) => e.reason === 'Updated' && about(e) === 'Deployment/web' && /\(automation shop\)/.test(e.note));
  assert.equal(updated.length, 1, JSON.stringify(events, null, 1));
  assert.match(updated[0]!.note, new RegExp(`team/web 1\\.0\\.0 → 1\\.2\\.0 in commit ${commit.slice(0, 12)}`));
  assert.equal(updated[0]!.reportingInstance, POD.POD_NAME);
  for (const [reason, workload, note] of [
    ['Blocked', 'Deployment/held', /locked in Git \(tagpilot\.io\/locked\) by alice@example\.com: incident 4711/],
    ['Failed', 'Deployment/ghost', /team\/ghost/],
  ] as const) {
    const found = events.filter((e) => e.reason === reason && about(e) === workload);
    assert.equal(found.length, 1, `${reason} on ${workload}: one Event, its repeats in its series\n${JSON.stringify(events, null, 1)}`);
    assert.match(found[0]!.note, note);
    assert.ok(found[0]!.series?.count >= 4, `${reason} on ${workload}: a series of every cycle's repeat (${JSON.stringify(found[0]!.series)})`);
  }
  assert.equal(found(eventsIn(k.api, 'tagpilot'), 'Updated', /^default:statefulset\/queue: .*\(automation (shop|staged)\)$/), 2, "a workload the cluster lacks: on tagpilot's Pod (once per automation)");

  const nudged = hooks.received.map((r) => JSON.parse(r.body) as { ref: string; repository: { clone_url: string } });
  assert.deepEqual(nudged.map((n) => `${n.repository.clone_url.replace(/.*\//, '')} ${n.ref}`).sort(), ['events.git refs/heads/main', 'staged.git refs/heads/deploy']);
  assert.equal(git(join(server.root, 'staged.git'), 'rev-list', '--count', 'main').trim(), '1', 'a push branch leaves the read branch alone');
  assert.deepEqual(
    k.api.calls.filter((call) => call.status === 403),
    [],
  );
});

/** A controller's tagpilot_* series, as `name{label="value",…}` → value. */
async function metrics(c: ControllerChild): Promise<Record<string, number>> {
  const series: Record<string, number> = {};
  for (const family of parsePrometheus((await c.get('/metrics')).body)) {
    if (!family.name.startsWith('tagpilot_')) continue;
    for (const m of family.metrics) {
      const labels = Object.entries(m.labels ?? {}).map(([k, v]) => `${k}="${v}"`);
      if ('value' in m) series[labels.length === 0 ? family.name : `${family.name}{${labels.join(',')}}`] = Number(m.value);
    }
  }
  return series;
}

function found(events: { reason: string; note: string }[], reason: string, note: RegExp): number {
  return events.filter((e) => e.reason === reason && note.test(e.note)).length;
}

test('controller in a Pod: a Git token rotated in its Secret is used from the next cycle, without a restart; the old one no longer works', async () => {
  const bare = createBareRepo(authed.root, 'rotate', fleetFiles(registry.host));
  const creds = `      auth:\n        username: ${auth.username}\n        password: { secret: { name: tagpilot-deploy-key, key: token } }\n`;
  // Two seconds apart: the rotation lands between two cycles.
  const c = await startController(podConfig('rotate.yaml', [automation('rotate', authed.repoUrl('rotate'), creds)], 'leaderElection: { enabled: false }\n', '2s'), { KUBECONFIG: k.kubeconfig, ...POD, LOG_LEVEL: 'debug' });
  const old = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  try {
    await until('the first commit', () => cycles(c, 'rotate', true) === 1, c.log);
    const pid = c.child.pid;
    auth.password = 'git-token-TWO';
    putSecret(k.api, 'tagpilot-deploy-key', { token: auth.password });
    const rotatedAt = authed.exchanges.length;
    await seedTags(registry.url, 'team/queue', versionTags(['2.3.10']));
    await until('a commit with the rotated token', () => cycles(c, 'rotate', true) === 2, c.log);
    assert.match(git(bare, 'show', 'main:apps/workers.yaml'), /team\/queue:2\.3\.10/);
    assert.equal(c.child.pid, pid);
    assert.deepEqual(
      c.lines.filter((l) => l.msg === 'cycle failed'),
      [],
      'no cycle ran with the old token',
    );
    const after = authed.exchanges.slice(rotatedAt);
    assert.ok(after.length > 0 && after.every((e) => e.authorization !== old), 'the old token is sent no more');
    const refused = await fetch(`${authed.repoUrl('rotate')}/info/refs?service=git-upload-pack`, { headers: { authorization: old } });
    assert.equal(refused.status, 401, 'the old token no longer works');
    assert.ok(!c.log().includes('git-token-'), 'no token reaches the logs');
  } finally {
    assert.equal(await c.stop(), 0, c.log());
  }
});

test('controller in a Pod: a reload that changes leaderElection, nudge or webhooks takes effect without a restart', async () => {
  createBareRepo(server.root, 'reload', fleetFiles(registry.host));
  const webhookPort = await closedPort();
  const tokenFile = join(work, 'webhook-token');
  writeFileSync(tokenFile, 'reload-webhook-token-0123456789');
  const file = join(work, 'reload.yaml');
  const write = (extra: string) => writeFileSync(file, readFileSync(podConfig('reload-base.yaml', [automation('reload', server.repoUrl('reload'))]), 'utf8').replace('port: 0 }', `port: 0, webhookPort: ${webhookPort} }`) + extra);
  write(`leaderElection: { leaseDuration: 2s }\nnudge:\n  flux: { url: "${hooks.url}/hook/one", type: generic }\n`);
  const c = await startController(file, { KUBECONFIG: k.kubeconfig, ...POD, LOG_LEVEL: 'debug' });
  const generation = (n: number) => c.waitFor((l) => l.msg === 'config reloaded' && l.generation === n, 30_000, `config generation ${n}`);
  const lease = () => k.api.list('coordination.k8s.io/v1', 'Lease', 'tagpilot').find((l) => (l.metadata.annotations as Record<string, string> | undefined)?.['tagpilot.io/automation'] === 'reload')?.spec as { holderIdentity?: string; leaseDurationSeconds?: number } | undefined;
  const nudgedAt = (path: string) => hooks.received.filter((r) => r.url === path).length;
  const hook = (token: string) =>
    fetch(`http://127.0.0.1:${webhookPort}/webhooks/ci`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ repository: `${registry.host}/team/queue:2.3.11` }) }).then(
      (r) => r.status,
      () => 'refused',
    );
  try {
    await until('the first commit, nudged', () => cycles(c, 'reload', true) === 1 && nudgedAt('/hook/one') === 1, c.log);
    assert.deepEqual([lease()?.holderIdentity, lease()?.leaseDurationSeconds], [POD.POD_NAME, 2]);
    assert.equal(await hook('reload-webhook-token-0123456789'), 'refused', 'no receivers: nothing listens');

    write(`leaderElection: { leaseDuration: 3s }\nnudge:\n  flux: { url: "${hooks.url}/hook/two", type: generic }\nwebhooks:\n  - { name: ci, kind: generic, token: { file: ${tokenFile} } }\n`);
    await generation(2);
    await until('the new lease duration written', () => lease()?.leaseDurationSeconds === 3, c.log);
    assert.equal(lease()?.holderIdentity, POD.POD_NAME, 'kept by its holder');
    assert.equal(await hook('wrong-token-0123456789abcdef'), 401);
    assert.equal(await hook('reload-webhook-token-0123456789'), 202, 'the new receiver answers');
    await seedTags(registry.url, 'team/queue', versionTags(['2.3.11']));
    await until('the next commit, nudged at the new target', () => cycles(c, 'reload', true) === 2 && nudgedAt('/hook/two') === 1, c.log);
    assert.equal(nudgedAt('/hook/one'), 1, 'the old target is nudged no more');

    write(`leaderElection: { enabled: false }\n`);
    await generation(3);
    await until('the Lease released', () => lease()?.holderIdentity === undefined, c.log);
    const seen = cycles(c, 'reload');
    await until('cycles without leader election', () => cycles(c, 'reload') >= seen + 2, c.log);
    const scraped = await metrics(c);
    assert.equal(scraped['tagpilot_automation_held{automation="reload"}'], 1, 'every automation runs here');
    assert.equal(scraped['tagpilot_lease_transitions_total{action="release"}'], 1, JSON.stringify(scraped));
    assert.equal(await hook('reload-webhook-token-0123456789'), 'refused', 'no receivers left: the port is closed');
    assert.equal(await c.stop(), 0, c.log());
    assert.deepEqual(
      k.api.calls.filter((call) => call.status === 403),
      [],
    );
  } finally {
    c.child.kill('SIGKILL');
  }
});
