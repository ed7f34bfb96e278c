import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git, humanCommit } from '../harness/git-repos.ts';
import { startController } from '../harness/controller.ts';
import type { Fields } from '../harness/kube/index.ts';
import { waitUntil } from '../kube/double.ts';
import { runCli } from '../harness/cli.ts';
import { formatOperationTrailer, parseOperationTrailers } from '../../src/automation/index.ts';
import { webDeployment } from '../fakes/web-manifest.ts';
import { HMAC_KEY, signatureOf, usePodStack } from './pod-harness.ts';

/**
 * `tagpilot controller` in a "Pod" with verification, notifications and auto-revert, against the
 * API double (config/ with the verify component), the real registry and the real Git server;
 * this test plays the sync loop, applying each commit to the double.
 */
const stack = usePodStack('auto-revert', { 'team/web': ['1.0.0', '1.1.0'] });

const manifest = (host: string, tag: string) => webDeployment({ image: `${host}/team/web:${tag}`, policy: 'semver:^1.0.0', annotations: ['tagpilot.io/on-failure: revert'], spec: ['replicas: 2'] });

interface Hook {
  kind: string;
  tag: string;
  from?: string;
  reason?: string;
  commit?: string;
}

test('controller: a failed rollout (ImagePullBackOff) is reverted by exactly one commit, the failed tag is not re-applied, a second failure of it (CrashLoopBackOff) holds and is told, a newer tag lands and is verified, history shows each outcome', async () => {
  const { registry, server, k, hooks, work } = stack;
  const bare = createBareRepo(server.root, 'fleet', { 'apps/web.yaml': manifest(registry.host, '1.0.0') });
  // The test plays the sync loop: the workload at a tag, its Pods pulling (or not) that image.
  stack.live('1.0.0');
  const file = join(work, 'tagpilot.yaml');
  writeFileSync(
    file,
    `automations:\n  - name: fleet\n    git:\n      url: ${server.repoUrl('fleet')}\n      paths: [apps]\n      author: { name: tagpilot-bot, email: bot@example.com }\n    verify: { deadline: 60s }\n    notify:\n      - { name: audit, type: webhook, url: "${hooks.url()}", secret: { env: HMAC_KEY }, events: [updated, verified, failed, reverted, held-back] }\nregistries:\n  - { host: "${registry.host}", insecure: true }\ninterval: 1s\nverify: { interval: 1s }\nleaderElection: { enabled: false }\nserver: { address: 127.0.0.1, port: 0, status: { enabled: true } }\ncacheDir: ${join(work, 'cache')}\n`,
  );
  const c = await startController(file, { ...stack.env(), LOG_LEVEL: 'debug' });
  const hooksOf = () => hooks.received.map((r) => JSON.parse(r.body) as Hook);
  const until = (what: string, done: () => boolean) => waitUntil(what, done, () => c.log(), 60_000);
  const head = () => git(bare, 'rev-parse', 'main').trim();
  const messages = () =>
    git(bare, 'log', '--format=%B%x00', 'main')
      .split('\0\n')
      .filter((m) => m.trim() !== '');
  const autoReverts = () => messages().flatMap((m) => parseOperationTrailers(m).filter((op) => op.verb === 'auto-revert'));
  const fileAt = () => git(bare, 'show', 'main:apps/web.yaml');
  const idleCycles = () => c.lines.filter((l) => l.automation === 'fleet' && l.msg === 'cycle: nothing to change').length;
  try {
    // 1. tagpilot commits 1.1.0; the sync loop applies it and the new Pods cannot pull it.
    await until('the commit of 1.1.0', () => fileAt().includes('team/web:1.1.0'));
    const broken = head();
    stack.live('1.1.0', 'ImagePullBackOff');
    await until('the automatic revert', () => autoReverts().length === 1 && fileAt().includes('team/web:1.0.0'));
    const [op] = autoReverts();
    assert.deepEqual({ target: op?.target, slot: op?.slot, from: op?.from, to: op?.to, by: op?.by }, { target: 'shop:deployment/web', slot: 'web', from: '1.1.0', to: '1.0.0', by: 'tagpilot-bot <bot@example.com>' });
    assert.match(op?.reason ?? '', /^ImagePullBackOff: pod web-1-1-0 container web: ImagePullBackOff/);
    assert.equal(fileAt(), manifest(registry.host, '1.0.0'));
    const reverted = head();
    assert.equal(git(bare, 'rev-parse', `${reverted}^`).trim(), broken, 'the revert is the one commit after the broken one');
    await until('the failed and reverted notifications', () => ['failed', 'reverted'].every((kind) => hooksOf().some((h) => h.kind === kind)));
    assert.deepEqual(
      hooksOf()
        .filter((h) => h.kind === 'failed' || h.kind === 'reverted')
        .map((h) => [h.kind, h.tag, h.from, h.reason, h.commit]),
      [
        ['failed', '1.1.0', undefined, 'ImagePullBackOff', broken],
        ['reverted', '1.0.0', '1.1.0', 'ImagePullBackOff', reverted],
      ],
    );
    const signed = hooks.received.find((r) => JSON.parse(r.body).kind === 'reverted')!;
    assert.equal(signed.headers['x-tagpilot-signature'], signatureOf(signed.body));
    const failedEvent = (k.api.list('events.k8s.io/v1', 'Event', 'shop') as Fields[]).find((e) => e.reason === 'RolloutFailed');
    assert.match(failedEvent?.note ?? '', new RegExp(`^Failed \\(ImagePullBackOff\\).*commit ${broken.slice(0, 12)}`));

    // 2. The sync loop applies the revert; the next cycles hold 1.1.0 (rejected), they do not re-apply it.
    stack.live('1.0.0');
    const idle = idleCycles();
    await until('three idle cycles after the revert', () => idleCycles() >= idle + 3);
    assert.equal(head(), reverted);

    // 3. A person clears the rejection (an unlock): tagpilot applies 1.1.0 again, it crash-loops, and is not reverted twice.
    const unlock = formatOperationTrailer({ verb: 'unlock', target: 'shop:deployment/web', by: 'Ana <ana@example.com>', at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
    humanCommit(bare, { 'apps/notes.txt': 'give 1.1.0 another go\n' }, `tagpilot unlock shop:deployment/web\n\n${unlock}\n`);
    await until('1.1.0 committed again', () => fileAt().includes('team/web:1.1.0'));
    const again = head();
    stack.live('1.1.0', 'CrashLoopBackOff');
    await until('the held-back notification', () => hooksOf().some((h) => h.kind === 'held-back' && h.reason === 'auto-revert-held'));
    assert.ok(hooksOf().some((h) => h.kind === 'failed' && h.reason === 'CrashLoopBackOff' && h.commit === again));
    const held = hooksOf().find((h) => h.kind === 'held-back' && h.reason === 'auto-revert-held')!;
    assert.deepEqual([held.tag, held.commit], ['1.1.0', again]);
    await c.waitFor((l) => l.code === 'auto-revert-held', 10_000, 'the auto-revert-held log line');
    const idleAgain = idleCycles();
    await until('two idle cycles after the hold', () => idleCycles() >= idleAgain + 2);
    assert.equal(autoReverts().length, 1, 'one automatic revert per tag and slot');
    assert.equal(head(), again);

    // 4. A newer tag lands, and its healthy rollout is Verified.
    await seedTags(registry.url, 'team/web', versionTags(['1.2.0'], new Date('2024-06-01T00:00:00Z')));
    await until('the commit of 1.2.0', () => fileAt().includes('team/web:1.2.0'));
    const fixed = head();
    stack.live('1.2.0');
    await until('the verified notification of 1.2.0', () => hooksOf().some((h) => h.kind === 'verified' && h.tag === '1.2.0'));
    assert.equal(hooksOf().find((h) => h.kind === 'verified' && h.tag === '1.2.0')?.commit, fixed);
    assert.equal(autoReverts().length, 1);
    const metrics = (await c.get('/metrics')).body;
    for (const line of ['tagpilot_verifications_total{outcome="Failed",reason="ImagePullBackOff"} 1', 'tagpilot_verifications_total{outcome="Failed",reason="CrashLoopBackOff"} 1', 'tagpilot_verifications_total{outcome="Verified",reason=""} 1']) {
      assert.ok(
        metrics.split('\n').includes(line),
        `/metrics has ${line}:\n${metrics
          .split('\n')
          .filter((l) => l.startsWith('tagpilot_verif'))
          .join('\n')}`,
      );
    }

    // 5. history --verified shows each update's outcome next to its commit, read from the Events.
    await until('the Verified Event of 1.2.0', () => (k.api.list('events.k8s.io/v1', 'Event', 'shop') as Fields[]).some((e) => e.reason === 'Verified' && String(e.note).includes(fixed.slice(0, 12))));
    const env = { KUBECONFIG: k.kubeconfig, HMAC_KEY };
    const json = await runCli(['history', '--config', file, '--verified', '--json'], { env });
    assert.equal(json.code, 0, json.err);
    const entries = JSON.parse(json.out) as { commit: string; to?: string; operation?: string; verified?: { outcome: string; reason?: string } }[];
    assert.deepEqual(
      entries.filter((e) => e.operation === undefined).map((e) => [e.commit, e.to, e.verified?.outcome, e.verified?.reason]),
      [
        [fixed, '1.2.0', 'Verified', undefined],
        [again, '1.1.0', 'Failed', 'CrashLoopBackOff'],
        [broken, '1.1.0', 'Failed', 'ImagePullBackOff'],
      ],
    );
    assert.deepEqual(
      entries.filter((e) => e.operation !== undefined).map((e) => [e.operation, e.commit === reverted]),
      [
        ['unlock', false],
        ['auto-revert', true],
      ],
    );
    const table = await runCli(['history', '--config', file, '--verified'], { env });
    assert.match(table.out, new RegExp(`${broken.slice(0, 12)} .*Tagpilot-Verified: Failed \\(ImagePullBackOff\\) at \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z`));
    assert.match(table.out, new RegExp(`${fixed.slice(0, 12)} .*Tagpilot-Verified: Verified at `));

    // 6. The status page's history has the same outcomes (the verifier's, as they came) and the auto-revert.
    const status = JSON.parse((await c.get('/status/api/v1/status')).body) as { automations: { verifications: { commit: string; workload: string; outcome: string; reason?: string }[]; operations: { operation: string; commit: string }[] }[] };
    const [fleet] = status.automations;
    assert.deepEqual(
      fleet?.verifications.map((v) => [v.commit, v.workload, v.outcome, v.reason]),
      [
        [fixed, 'shop:deployment/web', 'Verified', undefined],
        [again, 'shop:deployment/web', 'Failed', 'CrashLoopBackOff'],
        [broken, 'shop:deployment/web', 'Failed', 'ImagePullBackOff'],
      ],
    );
    assert.ok(
      fleet?.operations.some((o) => o.operation === 'auto-revert' && o.commit === reverted),
      JSON.stringify(fleet?.operations),
    );
    assert.deepEqual(
      k.api.calls.filter((call) => call.status === 403),
      [],
      'config/ with the verify component grants everything the controller verifies with',
    );
  } finally {
    assert.equal(await c.stop(), 0, c.log());
  }
});
