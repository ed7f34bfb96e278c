import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { startController, type ControllerChild } from '../harness/controller.ts';
import type { Fields } from '../harness/kube/index.ts';
import { waitUntil } from '../kube/double.ts';
import { webDeployment } from '../fakes/web-manifest.ts';
import { usePodStack } from './pod-harness.ts';

/**
 * The status page after a restart: the verification outcomes it shows are the Events the
 * verifier recorded in the cluster (the API double, config/ with the verify component), not the
 * memory of the process that verified them; page views read the API at most once per TTL.
 */
const stack = usePodStack('status-restart', { 'team/web': ['1.0.0', '1.1.0'] });

interface Page {
  automations: { verifications: { commit: string; workload: string; outcome: string }[] }[];
  recorded?: { state: string };
}

/** Each replica's config: its own cache, as a new Pod has its own emptyDir. */
function config(replica: string): string {
  const { registry, server, work } = stack;
  const file = join(work, `${replica}.yaml`);
  writeFileSync(
    file,
    `automations:\n  - name: fleet\n    git:\n      url: ${server.repoUrl('fleet')}\n      paths: [apps]\n      author: { name: tagpilot-bot, email: bot@example.com }\n    verify: { deadline: 60s }\nregistries:\n  - { host: "${registry.host}", insecure: true }\ninterval: 1s\nverify: { interval: 1s }\nleaderElection: { enabled: false }\nserver: { address: 127.0.0.1, port: 0, status: { enabled: true } }\ncacheDir: ${join(work, `cache-${replica}`)}\n`,
  );
  return file;
}

async function page(c: ControllerChild): Promise<Page> {
  return JSON.parse((await c.get('/status/api/v1/status')).body) as Page;
}

test('a restarted controller: its status page shows the verification outcome recorded before the restart, read from the Events', async () => {
  const { server, k } = stack;
  const bare = createBareRepo(server.root, 'fleet', { 'apps/web.yaml': webDeployment({ image: stack.image('1.0.0'), policy: 'semver:^1.0.0' }) });
  stack.live('1.0.0');
  const first = await startController(config('first'), stack.env());
  let commit = '';
  try {
    await waitUntil(
      'the commit of 1.1.0',
      () => git(bare, 'show', 'main:apps/web.yaml').includes('team/web:1.1.0'),
      () => first.log(),
      60_000,
    );
    commit = git(bare, 'rev-parse', 'main').trim();
    stack.live('1.1.0');
    await waitUntil(
      'the Verified Event',
      () => (k.api.list('events.k8s.io/v1', 'Event', 'shop') as Fields[]).some((e) => e.reason === 'Verified' && String(e.note).includes(commit.slice(0, 12))),
      () => first.log(),
      60_000,
    );
  } finally {
    assert.equal(await first.stop(), 0, first.log());
  }

  const second = await startController(config('second'), stack.env());
  try {
    const shown = (p: Page) => p.automations[0]?.verifications.map((v) => [v.commit, v.workload, v.outcome]) ?? [];
    // The first page views start the lookup; the page is told when it ends (as an open page would be).
    let last = await page(second);
    const deadline = Date.now() + 60_000;
    while (shown(last).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await page(second);
    }
    assert.deepEqual(shown(last), [[commit, 'shop:deployment/web', 'Verified']], `${JSON.stringify(last)}\n${second.log()}`);
    assert.equal(last.recorded?.state, 'read');
    const html = (await second.get('/status/')).body;
    assert.match(html, /<span class="badge t-ok">verified<\/span>/);
    const listed = () => k.api.calls.filter((c) => c.verb === 'list' && c.resource === 'events').length;
    const before = listed();
    await Promise.all(Array.from({ length: 20 }, () => second.get('/status/')));
    assert.ok(listed() - before <= 1, `20 page views listed Events ${listed() - before} times`);
    assert.deepEqual(
      k.api.calls.filter((c) => c.status === 403),
      [],
    );
  } finally {
    assert.equal(await second.stop(), 0, second.log());
  }
});
