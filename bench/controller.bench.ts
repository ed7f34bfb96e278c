/**
 * Controller sharing benchmark: N automations (N repositories on a real Git server) whose
 * workloads all run the same image, in one `tagpilot controller` process, for a few intervals.
 * Counts the tag-list requests the real registry received (through a counting proxy) against the
 * cycles run: one registry client for all automations should list the image once per interval,
 * not once per automation. Prints one JSON object.
 *
 *   node bench/controller.bench.ts [--automations 20] [--interval 5] [--intervals 4]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Controller } from '../src/cli/controller.ts';
import { FaultProxy } from '../test/harness/fault-proxy.ts';
import { createBareRepo } from '../test/harness/git-repos.ts';
import { automated } from '../test/harness/manifests.ts';
import { startGitServer } from '../test/harness/git-server.ts';
import { seedTags, versionTags } from '../test/harness/images.ts';
import { startRegistry } from '../test/harness/registry.ts';

const { values } = parseArgs({ options: { automations: { type: 'string', default: '20' }, interval: { type: 'string', default: '5' }, intervals: { type: 'string', default: '4' } } });
const count = Number(values.automations);
const intervalS = Number(values.interval);
const intervals = Number(values.intervals);

const registry = await startRegistry();
const proxy = await FaultProxy.start({ upstream: registry.url });
const server = await startGitServer();
const work = mkdtempSync(join(tmpdir(), 'tagpilot-bench-controller-'));
try {
  await seedTags(registry.url, 'team/web', versionTags(['1.0.0', '1.1.0', '1.2.0']));
  const entries: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `fleet-${i}`;
    createBareRepo(server.root, name, { 'apps/web.yaml': automated('web', `${proxy.host}/team/web:1.0.0`, 'semver:^1') });
    entries.push(`  - name: ${name}\n    git: { url: ${server.repoUrl(name)}, paths: [apps], author: { name: bot, email: bot@example.com } }\n`);
  }
  const path = join(work, 'tagpilot.yaml');
  writeFileSync(path, `automations:\n${entries.join('')}registries:\n  - { host: "${proxy.host}", insecure: true }\ncacheDir: cache\ninterval: ${intervalS}s\nserver: { address: 127.0.0.1, port: 0 }\n`);
  const io = { out: new PassThrough(), err: new PassThrough(), in: new PassThrough(), cwd: work, env: process.env };
  const controller = new Controller(path, io, pino({ level: 'silent' }));
  const started = performance.now();
  await controller.start();
  await sleep(intervals * intervalS * 1000);
  await controller.shutdown();
  const wallMs = Math.round(performance.now() - started);
  const cycles = [...controller.state.automations.values()].reduce((n, a) => n + a.cycles, 0);
  const tagListRequests = proxy.requests.filter((r) => r.path.startsWith('/v2/team/web/tags/list')).length;
  const listings = controller.state.registries.get(proxy.host)?.listings;
  const result = { bench: 'controller', automations: count, intervalSeconds: intervalS, wallMs, cycles, tagListRequests, perAutomationWouldBe: cycles, listings, intervalsElapsed: Math.round(wallMs / (intervalS * 1000)) };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await Promise.all([registry.stop(), server.stop(), proxy.stop()]);
  rmSync(work, { recursive: true, force: true });
}
