/**
 * Push to commit through the controller (issue 12's latency target): a tag pushed to the real
 * CNCF Distribution registry, whose notifications go to `tagpilot controller`'s webhook receiver,
 * until the controller's cycle has pushed the commit to git http-backend (its `cycle: committed`
 * line, logged once the push is confirmed). Polling is an hour away, so only the webhook path can
 * make the commit. Prints one JSON object: pushes, p50/p95/max in ms.
 *
 *   node bench/push-to-commit.bench.ts [--pushes 100]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startController } from '../test/harness/controller.ts';
import { FLEET_TAGS, fleetFiles } from '../test/harness/fleet.ts';
import { createBareRepo } from '../test/harness/git-repos.ts';
import { startGitServer } from '../test/harness/git-server.ts';
import { seedTags, versionTags } from '../test/harness/images.ts';
import { closedPort } from '../test/harness/ports.ts';
import { startRegistry } from '../test/harness/registry.ts';

const { values } = parseArgs({ options: { pushes: { type: 'string', default: '100' } } });
const pushes = Number(values.pushes);
const token = 'bench-push-to-commit-token-0123456789';
const work = mkdtempSync(join(tmpdir(), 'tagpilot-push-to-commit-'));
const webhookPort = await closedPort();
const registry = await startRegistry({
  extraConfig: `notifications:\n  endpoints:\n    - name: tagpilot\n      url: http://127.0.0.1:${webhookPort}/webhooks/registry\n      headers:\n        Authorization: [Bearer ${token}]\n      timeout: 1s\n      threshold: 5\n      backoff: 1s\n      ignore:\n        actions: [pull]\n`,
});
const git = await startGitServer();
for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
createBareRepo(git.root, 'fleet', fleetFiles(registry.host));
writeFileSync(join(work, 'token'), token);
const config = join(work, 'tagpilot.yaml');
writeFileSync(
  config,
  `automations:\n  - name: fleet\n    git:\n      url: ${git.repoUrl('fleet')}\n      paths: [apps]\n      author: { name: tagpilot-bot, email: bot@example.com }\nregistries:\n  - { host: "${registry.host}", insecure: true }\ncacheDir: ${join(work, 'cache')}\ninterval: 1h\nserver: { address: 127.0.0.1, port: 0, webhookPort: ${webhookPort} }\nwebhooks:\n  - { name: registry, kind: distribution, token: { file: ${join(work, 'token')} } }\n`,
);

const controller = await startController(config);
const committed = () => controller.lines.filter((l) => l.msg === 'cycle: committed').length;
const latencies: number[] = [];
try {
  await controller.waitFor((l) => l.msg === 'cycle: committed', 60_000, 'the first cycle');
  // Earlier notifications (the seeding) may still trigger cycles: wait until they are over.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  for (let i = 0; i < pushes; i++) {
    const before = committed();
    const started = performance.now();
    await seedTags(registry.url, 'team/queue', versionTags([`2.3.${100 + i}`]));
    while (committed() === before) {
      if (performance.now() - started > 30_000) throw new Error(`2.3.${100 + i}: no commit within 30 s\n${controller.log()}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    latencies.push(performance.now() - started);
  }
} finally {
  await controller.stop();
  await Promise.all([registry.stop(), git.stop()]);
  rmSync(work, { recursive: true, force: true });
}

const sorted = [...latencies].sort((a, b) => a - b);
const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
process.stdout.write(`${JSON.stringify({ bench: 'push-to-commit', pushes, pushToCommitMs: { p50: at(0.5), p95: at(0.95), max: at(1) } })}\n`);
