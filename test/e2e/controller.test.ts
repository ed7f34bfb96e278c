import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import parsePrometheus from 'parse-prometheus-text-format';
import { configMapMount, startController } from '../harness/controller.ts';
import { FLEET_TAGS, fleetFiles } from '../harness/fleet.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { startGitServer, type GitRequest, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { until } from '../harness/wait.ts';
import { closedPort } from '../harness/ports.ts';

let registry: TestRegistry;
let server: GitServer;
let work: string;
/** What the Git server does before serving a request: each test sets its own. */
let hook: (request: GitRequest) => void | Promise<void> = () => undefined;
/** Requests held by a stuck repository, released at the end so the server can stop. */
const held: (() => void)[] = [];

before(async () => {
  registry = await startRegistry();
  server = await startGitServer({ beforeRequest: (r) => hook(r) });
  work = mkdtempSync(join(tmpdir(), 'tagpilot-controller-'));
  for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
});

after(async () => {
  for (const release of held) release();
  await Promise.all([registry.stop(), server.stop()]);
  rmSync(work, { recursive: true, force: true });
});

let caches = 0;

/** A config with these automations (each a repository of that name, optionally with extra YAML lines), all on a 1 s interval. */
function config(automations: readonly (string | { name: string; extra: string })[], extra = ''): string {
  const entries = automations.map((a) => {
    const { name, extra: more } = typeof a === 'string' ? { name: a, extra: '' } : a;
    return `  - name: ${name}\n    git:\n      url: ${server.repoUrl(name)}\n      paths: [apps]\n      author: { name: tagpilot-bot, email: bot@example.com }\n${more}`;
  });
  return `automations:\n${entries.join('')}registries:\n  - { host: "${registry.host}", insecure: true }\ncacheDir: ${join(work, `cache-${++caches}`)}\ninterval: 1s\nserver: { address: 127.0.0.1, port: 0 }\n${extra}`;
}

function repo(name: string): string {
  return createBareRepo(server.root, name, fleetFiles(registry.host));
}

/** Polls an asynchronous condition (an HTTP probe) until it holds. */
async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

const commits = (bare: string) => Number(git(bare, 'rev-list', '--count', 'main').trim());

test('a stuck Git server turns /healthz red naming its automation while another keeps committing; /metrics holds every listed series', async () => {
  const healthy = repo('healthy');
  repo('stuck');
  hook = (request) => (request.path.startsWith('/stuck.git') ? new Promise<void>((resolve) => held.push(resolve)) : undefined);
  const path = join(work, 'stuck.yaml');
  writeFileSync(path, config(['healthy', { name: 'stuck', extra: '    cycleTimeout: 1s\n' }]));
  const c = await startController(path);
  try {
    await until(() => commits(healthy) === 2, 30_000, 'the healthy automation commits');
    let health = await c.get('/healthz');
    const deadline = performance.now() + 20_000;
    while (health.status === 200 && performance.now() < deadline) {
      await sleep(200);
      health = await c.get('/healthz');
    }
    assert.equal(health.status, 503, health.body);
    const body = JSON.parse(health.body) as { stuck: { automation: string; activity?: string }[] };
    assert.deepEqual(
      body.stuck.map((s) => s.automation),
      ['stuck'],
    );

    // The stuck one holds back nobody: a new tag still lands in the healthy repository.
    await seedTags(registry.url, 'team/web', versionTags(['1.3.0'], new Date('2024-02-01T00:00:00Z')));
    await until(() => commits(healthy) === 3, 30_000, 'the healthy automation commits the new tag');
    assert.match(git(healthy, 'show', 'main:apps/web.yaml'), /team\/web:1\.3\.0/);
    assert.equal((await c.get('/healthz')).status, 503);

    const scrape = async () => new Map(parsePrometheus((await c.get('/metrics')).body).map((f) => [f.name, f]));
    let families = await scrape();
    const listed = [
      'tagpilot_cycles_total',
      'tagpilot_cycle_duration_seconds',
      'tagpilot_updates_committed_total',
      'tagpilot_updates_blocked_total',
      'tagpilot_registry_requests_total',
      'tagpilot_registry_rate_limit_waits_total',
      'tagpilot_registry_rate_limit_wait_seconds_total',
      'tagpilot_registry_tag_listings_total',
      'tagpilot_git_operations_total',
      'tagpilot_git_push_races_lost_total',
      'tagpilot_last_successful_cycle_timestamp_seconds',
      'tagpilot_automation_stuck',
      'tagpilot_config_reloads_total',
      'tagpilot_config_generation',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ];
    assert.deepEqual(
      listed.filter((name) => !families.has(name)),
      [],
    );
    const value = (name: string, labels: Record<string, string>) => Number(families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? Number.NaN);
    // The commit is on the server a moment before the cycle's end is counted.
    await eventually(async () => {
      families = await scrape();
      return value('tagpilot_cycles_total', { automation: 'healthy', outcome: 'committed' }) >= 2;
    }, 'two committed cycles counted');
    assert.ok(value('tagpilot_cycles_total', { automation: 'stuck', outcome: 'timed-out' }) >= 1);
    assert.ok(value('tagpilot_updates_committed_total', { automation: 'healthy' }) >= 3);
    assert.equal(value('tagpilot_automation_stuck', { automation: 'stuck' }), 1);
    assert.equal(value('tagpilot_automation_stuck', { automation: 'healthy' }), 0);
    assert.ok(value('tagpilot_registry_requests_total', { host: registry.host, status: '200' }) >= 3);
    assert.ok(value('tagpilot_git_operations_total', { automation: 'healthy', operation: 'push', outcome: 'ok' }) >= 2);
    assert.ok(value('tagpilot_last_successful_cycle_timestamp_seconds', { automation: 'healthy' }) > Date.now() / 1000 - 60);
    assert.equal(families.get('tagpilot_cycle_duration_seconds')?.type, 'HISTOGRAM');
    assert.equal((await c.get('/readyz')).status, 503, 'the stuck automation never had its first sync');
  } finally {
    hook = () => undefined;
    for (const release of held.splice(0)) release();
    assert.equal(await c.stop(), 0, c.log());
  }
});

test('a config change is applied without a restart (a ConfigMap symlink swap); an invalid one keeps the running config, with the error', async () => {
  const [a, b] = [repo('reload-a'), repo('reload-b')];
  const mount = configMapMount(join(work, 'configmap'));
  mount.write(config(['reload-a']));
  const c = await startController(mount.path);
  try {
    await until(() => commits(a) === 2, 30_000, 'the first automation commits');
    assert.equal(commits(b), 1);
    mount.write(config(['reload-a', 'reload-b']));
    await c.waitFor((l) => l.msg === 'config reloaded', 20_000, 'the reload');
    await until(() => commits(b) === 2, 30_000, 'the added automation commits');
    await eventually(async () => (await c.get('/readyz')).status === 200, 'ready with both');

    // Outside a Pod, whether rollouts are verified is decided at start: a reload asking for it says it waits.
    mount.write(config(['reload-a', 'reload-b'], 'verify: { deadline: 10m }\n'));
    const waits = await c.waitFor((l) => String(l.msg).startsWith('config reload: rollout verification stays off until the controller restarts'), 20_000, 'the warning');
    assert.equal(waits.level, 40, 'a warning');

    mount.write('automations: []\n');
    const refused = await c.waitFor((l) => l.msg === 'config reload refused: the running config stays', 20_000, 'the refusal');
    assert.match(JSON.stringify(refused.err), /automations/);
    const ready = JSON.parse((await c.get('/readyz')).body) as { status: string; configError?: { message: string } };
    assert.equal(ready.status, 'ready');
    assert.match(ready.configError?.message ?? '', /automations/);
    // Still running the last good config: a new tag lands in both repositories.
    await seedTags(registry.url, 'team/queue', versionTags(['2.3.9'], new Date('2024-02-01T00:00:00Z')));
    await until(() => commits(a) === 3 && commits(b) === 3, 30_000, 'both automations commit the new tag');
  } finally {
    assert.equal(await c.stop(), 0, c.log());
  }
});

test('SIGTERM in the middle of a cycle lets it push, then the controller exits 0', async () => {
  const bare = repo('term');
  const path = join(work, 'term.yaml');
  writeFileSync(path, config(['term']));
  let signalled = false;
  let c: Awaited<ReturnType<typeof startController>> | undefined;
  hook = async (request) => {
    if (request.path !== '/term.git/git-receive-pack' || signalled || c === undefined) return;
    signalled = true;
    c.child.kill('SIGTERM');
    // The push is held a moment after the signal: the cycle must still end with it.
    await sleep(500);
  };
  c = await startController(path);
  const exited = new Promise<number | null>((resolve) => c.child.once('exit', resolve));
  const code = await Promise.race([exited, sleep(60_000).then(() => 'timeout' as const)]);
  hook = () => undefined;
  if (code === 'timeout') c.child.kill('SIGKILL');
  assert.equal(code, 0, c.log());
  assert.equal(signalled, true);
  assert.equal(commits(bare), 2, 'the cycle in progress pushed its commit');
  assert.match(c.log(), /"msg":"cycle: committed"[\s\S]*"msg":"stopped"/);
});

test('a tag pushed to a registry that notifies the controller is committed at once, long before the next poll; a wrong token gets 401 and no listing', async () => {
  const webhookPort = await closedPort();
  const TOKEN = 'registry-notifications-token-0123456789';
  const hooked = await startRegistry({
    extraConfig: `notifications:\n  endpoints:\n    - name: tagpilot\n      url: http://127.0.0.1:${webhookPort}/webhooks/registry\n      headers:\n        Authorization: [Bearer ${TOKEN}]\n      timeout: 1s\n      threshold: 5\n      backoff: 1s\n      ignore:\n        actions: [pull]\n`,
  });
  try {
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(hooked.url, repository, versionTags(tags));
    const bare = createBareRepo(server.root, 'hooked', fleetFiles(hooked.host));
    const path = join(work, 'hooked.yaml');
    const token = join(work, 'hooked-token');
    writeFileSync(token, TOKEN);
    writeFileSync(
      path,
      `automations:\n  - name: hooked\n    git:\n      url: ${server.repoUrl('hooked')}\n      paths: [apps]\n      author: { name: tagpilot-bot, email: bot@example.com }\nregistries:\n  - { host: "${hooked.host}", insecure: true }\ncacheDir: ${join(work, `cache-${++caches}`)}\ninterval: 1h\nserver: { address: 127.0.0.1, port: 0, webhookPort: ${webhookPort} }\nwebhooks:\n  - { name: registry, kind: distribution, token: { file: ${token} } }\n`,
    );
    const c = await startController(path);
    try {
      await until(() => commits(bare) === 2, 30_000, 'the first cycle commits');
      const wrong = await fetch(`http://127.0.0.1:${webhookPort}/webhooks/registry`, { method: 'POST', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, body: '{"events":[]}' });
      assert.equal(wrong.status, 401);
      await seedTags(hooked.url, 'team/queue', versionTags(['2.3.9']));
      await until(() => commits(bare) === 3, 20_000, 'the pushed tag committed (the next poll is an hour away)');
      assert.match(git(bare, 'show', 'main:apps/workers.yaml'), /team\/queue:2\.3\.9/);
    } finally {
      assert.equal(await c.stop(), 0, c.log());
    }
  } finally {
    await hooked.stop();
  }
});

test('the status page, when enabled, shows each automation of the running controller behind its token; it is off by default', async () => {
  const bare = repo('paged');
  const token = join(work, 'status-token');
  writeFileSync(token, 'status-page-token-0123456789');
  const path = join(work, 'paged.yaml');
  writeFileSync(path, config(['paged']).replace('server: { address: 127.0.0.1, port: 0 }', `server: { address: 127.0.0.1, port: 0, status: { enabled: true, token: { file: ${token} }, commitUrl: "https://git.example/{path}/commit/{commit}" } }`));
  const c = await startController(path);
  try {
    await until(() => commits(bare) === 2, 30_000, 'the first cycle commits');
    assert.equal((await c.get('/status/')).status, 401, 'no token, no page');
    const headers = { authorization: 'Bearer status-page-token-0123456789' };
    await eventually(async () => {
      const res = await fetch(`${c.url}/status/api/v1/status`, { headers });
      const body = (await res.json()) as { automations: { name: string; cycles: number; history: unknown[] }[]; registries: { host: string; requests: number }[] };
      return res.status === 200 && body.automations.some((a) => a.name === 'paged' && a.cycles >= 1 && a.history.length >= 1) && body.registries.some((r) => r.requests > 0);
    }, 'the JSON API lists the automation, its history and the registry it asked after its first cycle');
    const page = await fetch(`${c.url}/status/`, { headers });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /paged/);
    assert.match(html, /<a href="https:\/\/git\.example\/paged\/commit\/[0-9a-f]{40}" rel="noreferrer">/, 'commits link to the Git host through server.status.commitUrl');
  } finally {
    assert.equal(await c.stop(), 0, c.log());
  }
  const off = join(work, 'unpaged.yaml');
  repo('unpaged');
  writeFileSync(off, config(['unpaged']));
  const d = await startController(off);
  try {
    assert.equal((await d.get('/status/')).status, 404);
  } finally {
    assert.equal(await d.stop(), 0, d.log());
  }
});
