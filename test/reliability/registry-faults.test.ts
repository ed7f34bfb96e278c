/**
 * Registry faults with two registries, one of them faulty (a fault proxy in front of a real
 * Distribution): whatever the faulty one does, the healthy one's update lands in the same cycle,
 * and a fault the client can ride out (a 429 with Retry-After, a short 5xx burst, a cut body)
 * lands the faulty one's update in that same commit too. A stall past the registry deadline ends
 * the registry phase at the deadline, with its request cancelled.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FaultProxy, type Fault } from '../harness/fault-proxy.ts';
import { automated } from '../harness/manifests.ts';
import { until } from '../harness/wait.ts';
import { runCycle } from '../../src/automation/cycle.ts';
import { GitRepo } from '../../src/git/repo.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { tempDir } from '../registry/helpers.ts';

const API_TAGS = /GET \/v2\/team\/api\/tags\/list/;
const DEADLINE_MS = 1_500;

interface Scenario {
  name: string;
  faults: Fault[];
  /** The faulty registry's update lands in the same commit, or its slot gets a problem with this code. */
  faulty: 'lands' | { problem: string };
}

const SCENARIOS: Scenario[] = [
  { name: '429 with Retry-After: 1', faults: [{ status: 429, headers: { 'retry-after': '1' } }], faulty: 'lands' },
  { name: 'a 5xx burst shorter than the retries', faults: [{ status: 503 }, { status: 502 }, { status: 504 }], faulty: 'lands' },
  { name: 'a 5xx burst longer than the retries', faults: Array.from({ length: 4 }, () => ({ status: 503 })), faulty: { problem: 'registry-request-failed' } },
  { name: 'a body cut halfway (truncated transfer)', faults: [{ truncate: true }], faulty: 'lands' },
  { name: 'truncated JSON in a complete answer', faults: [{ status: 200, headers: { 'content-type': 'application/json' }, body: '{"name":"team/api","tags":["2.0.0","2.1' }], faulty: { problem: 'registry-request-failed' } },
  { name: 'a stall: headers never come', faults: [{ delayMs: 30_000 }], faulty: { problem: 'registry-deadline' } },
  { name: 'a slowloris: the body drips a byte every 200 ms', faults: [{ dripMs: 200 }], faulty: { problem: 'registry-deadline' } },
];

describe('registry faults: one faulty registry next to a healthy one', () => {
  let healthy: TestRegistry;
  let upstream: TestRegistry;
  let faulty: FaultProxy;
  let server: GitServer;
  const cache = tempDir('registry-faults');
  let fleets = 0;

  before(async () => {
    [healthy, upstream, server] = await Promise.all([startRegistry(), startRegistry(), startGitServer()]);
    await Promise.all([seedTags(healthy.url, 'team/web', versionTags(['1.0.0', '1.1.0'])), seedTags(upstream.url, 'team/api', versionTags(['2.0.0', '2.1.0']))]);
    faulty = await FaultProxy.start({ upstream: upstream.url });
  });

  after(async () => {
    await Promise.all([healthy.stop(), upstream.stop(), faulty.stop(), server.stop()]);
    cache.remove();
  });

  /** A fresh fleet repo, a fresh client (no cached lists), and one cycle over them. */
  async function cycle(deadlineMs = DEADLINE_MS) {
    const name = `fleet-${++fleets}`;
    const bare = createBareRepo(server.root, name, {
      'apps/web.yaml': automated('web', `${healthy.host}/team/web:1.0.0`, 'semver:^1'),
      'apps/api.yaml': automated('api', `${faulty.host}/team/api:2.0.0`, 'semver:^2'),
    });
    const registry = new RegistryClient({
      registries: [
        { host: healthy.host, insecure: true },
        { host: faulty.host, insecure: true },
      ],
      retries: 3,
      backoffMs: 50,
      maxBackoffMs: 200,
      timeoutMs: 5_000,
    });
    const repo = GitRepo.forRemote(`${cache.path}/${name}`, { url: server.repoUrl(name), branch: 'main' });
    const started = performance.now();
    try {
      const report = await runCycle({ repo, tags: registry, branch: 'main', paths: ['apps'], author: { name: 'tagpilot', email: 'bot@example.com' }, log: pino({ level: 'silent' }), registryDeadlineMs: deadlineMs });
      return { report, bare, ms: performance.now() - started };
    } finally {
      await registry.close();
    }
  }

  for (const scenario of SCENARIOS) {
    test(`${scenario.name}: the healthy update lands in this cycle; the faulty one ${scenario.faulty === 'lands' ? 'too, in the same commit' : `is a ${scenario.faulty.problem} problem`}`, async (t) => {
      const seen = faulty.requests.length;
      faulty.inject(API_TAGS, ...scenario.faults);
      const { report, bare, ms } = await cycle();
      t.diagnostic(`cycle committed after ${Math.round(ms)} ms`);
      assert.ok(report.commit !== undefined, 'a commit landed');
      assert.equal(git(bare, 'rev-parse', 'main').trim(), report.commit);
      assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '2', 'one commit in the cycle');
      assert.match(git(bare, 'show', 'main:apps/web.yaml'), /team\/web:1\.1\.0/);
      const api = git(bare, 'show', 'main:apps/api.yaml');
      if (scenario.faulty === 'lands') {
        assert.match(api, /team\/api:2\.1\.0/);
        assert.deepEqual(report.problems, []);
      } else {
        assert.match(api, /team\/api:2\.0\.0/);
        assert.deepEqual(
          report.problems.map((p) => p.code),
          [scenario.faulty.problem],
        );
        assert.match(report.problems[0]!.message, new RegExp(`${faulty.host}/team/api: `));
      }
      if (scenario.faulty !== 'lands' && scenario.faulty.problem === 'registry-deadline') {
        assert.ok(ms < DEADLINE_MS + 3_000, `the commit did not wait for the stalled registry (${Math.round(ms)} ms)`);
        await until(() => faulty.requests.slice(seen).some((r) => r.cancelled === true), 3_000, 'the stalled request was cancelled');
      }
    });
  }

  test('Retry-After is honoured: the retry comes no sooner than the registry asked', async (t) => {
    faulty.inject(API_TAGS, { status: 429, headers: { 'retry-after': '1' } });
    const seen = faulty.requests.length;
    const { report } = await cycle(10_000);
    assert.deepEqual(report.problems, []);
    const asks = faulty.requests.slice(seen).filter((r) => API_TAGS.test(`${r.method} ${r.path}`));
    assert.equal(asks.length, 2);
    t.diagnostic(`Retry-After 1 s: retried after ${Math.round(asks[1]!.at - asks[0]!.at)} ms`);
    assert.ok(asks[1]!.at - asks[0]!.at >= 990, `waited ${Math.round(asks[1]!.at - asks[0]!.at)} ms`);
  });
});
