/**
 * Webhook latency: from a tag push to the real CNCF Distribution registry (its notifications sent
 * to the webhook handler on 127.0.0.1, as docs/webhooks.md configures them) to the sink's
 * `repositoryPushed`. This is the webhook's share of the push-to-commit target; the listing and
 * the cycle come after it. Prints one JSON object: pushes, coalescing window, p50/p95/max in ms.
 *
 *   node bench/webhooks.bench.ts [--pushes 100] [--coalesce-ms 100]
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createWebhookHandler } from '../src/server/index.ts';
import { seedTags, versionTags } from '../test/harness/images.ts';
import { closeServer, listenLocal } from '../test/harness/ports.ts';
import { startRegistry } from '../test/harness/registry.ts';

const { values } = parseArgs({ options: { pushes: { type: 'string', default: '100' }, 'coalesce-ms': { type: 'string', default: '100' } } });
const pushes = Number(values.pushes);
const coalesceMs = Number(values['coalesce-ms']);
const token = 'bench-webhook-token-0123456789';

const arrived = new Map<string, number>();
const handler = createWebhookHandler({
  receivers: [{ name: 'registry', kind: 'distribution', token }],
  coalesceMs,
  sink: { repositoryPushed: (push) => void arrived.set(push.repository, performance.now()), gitPushed: () => {} },
});
const server = createServer((req, res) => void (handler.handle(req, res) || res.writeHead(404).end()));
const port = await listenLocal(server as unknown as import('node:net').Server);
const endpoint = `notifications:\n  endpoints:\n    - name: tagpilot\n      url: http://127.0.0.1:${port}/webhooks/registry\n      headers:\n        Authorization: [Bearer ${token}]\n      timeout: 1s\n      threshold: 5\n      backoff: 1s\n      ignore:\n        actions: [pull]\n`;
const registry = await startRegistry({ extraConfig: endpoint });

const latencies: number[] = [];
try {
  for (let i = 0; i < pushes; i++) {
    const repository = `bench/app-${i}`;
    await seedTags(registry.url, repository, versionTags(['1.0.0']));
    const pushed = performance.now();
    while (!arrived.has(repository)) {
      if (performance.now() - pushed > 10_000) throw new Error(`${repository}: no repositoryPushed within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    latencies.push(arrived.get(repository)! - pushed);
  }
} finally {
  handler.close();
  await registry.stop();
  await closeServer(server);
}

const sorted = [...latencies].sort((a, b) => a - b);
const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
process.stdout.write(JSON.stringify({ bench: 'webhooks', pushes, coalesceMs, pushToSinkMs: { p50: at(0.5), p95: at(0.95), max: at(1) } }) + '\n');
