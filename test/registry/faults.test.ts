import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags } from '../harness/images.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { listenLocal } from '../harness/ports.ts';
import type { RegistryClientOptions } from '../../src/registry/client.ts';
import type { RegistrySettings } from '../../src/registry/endpoint.ts';
import { ControllerState } from '../../src/runtime/index.ts';
import { ref, testClient } from './helpers.ts';

const TAG_LIST = /GET \/v2\/team\/app\/tags\/list/;

describe('faults between us and the registry (fault proxy in front of real Distribution)', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;

  before(async () => {
    registry = await startRegistry();
    await seedTags(registry.url, 'team/app', [{ tag: '1.0.0', created: new Date('2024-01-01T00:00:00Z') }, { tag: '1.1.0' }]);
    proxy = await FaultProxy.start({ upstream: registry.url });
  });

  after(async () => {
    await proxy.stop();
    await registry.stop();
  });

  const list = async (options: RegistryClientOptions = {}, settings: Partial<RegistrySettings> = {}) => {
    const client = testClient([], { registries: [{ host: proxy.host, insecure: true, ...settings }], ...options });
    try {
      return await client.listTags(ref(`${proxy.host}/team/app`));
    } finally {
      await client.close();
    }
  };

  test('429 with Retry-After: waits that long, then succeeds', async () => {
    proxy.inject(TAG_LIST, { status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    assert.equal((await list()).tags.length, 2);
    assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
  });

  test('the observer counts requests, failures and 429s per host, and the pause a Retry-After asks', async () => {
    proxy.inject(TAG_LIST, { status: 429, headers: { 'retry-after': '1' } }, { status: 503 });
    const state = new ControllerState('tagpilot.yaml');
    const client = testClient([], { registries: [{ host: proxy.host, insecure: true }], observer: state.registryObserver() });
    try {
      const listed = client.listTags(ref(`${proxy.host}/team/app`));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok((state.registries.get(proxy.host)?.rateLimitedUntil?.getTime() ?? 0) > Date.now(), 'paused while the Retry-After holds');
      await listed;
      const stats = state.registries.get(proxy.host);
      assert.deepEqual({ errors: stats?.errors, '429': stats?.byStatus['429'], '503': stats?.byStatus['503'] }, { errors: 2, '429': 1, '503': 1 });
      assert.ok(stats !== undefined && stats.requests >= 3, `the 429, the 503 and the answer: ${stats?.requests}`);
    } finally {
      await client.close();
    }
  });

  test('a Retry-After longer than we wait fails now, saying so', async () => {
    proxy.inject(TAG_LIST, { status: 429, headers: { 'retry-after': '3600' } });
    await assert.rejects(list(), /team\/app: .*429 \(rate limited\); it asks to retry after 3600s, longer than the 60s we wait/);
  });

  test('503 is retried with backoff', async () => {
    proxy.inject(TAG_LIST, { status: 503 }, { status: 503 });
    assert.equal((await list()).tags.length, 2);
  });

  test('503 that persists fails after the configured attempts', async () => {
    proxy.inject(TAG_LIST, { status: 503 }, { status: 503 }, { status: 503 });
    await assert.rejects(list({ retries: 2 }), /team\/app: .*answered 503 \(after 3 attempts\)/);
  });

  test('a body that stalls times out and is retried', async () => {
    proxy.inject(TAG_LIST, { dripMs: 250 });
    assert.equal((await list({ timeoutMs: 100 })).tags.length, 2);
  });

  test('headers that never come time out', async () => {
    proxy.inject(TAG_LIST, { delayMs: 400 }, { delayMs: 400 });
    await assert.rejects(list({ timeoutMs: 100, retries: 1 }), /team\/app: .*(no response headers in time|timed out)/);
  });

  test('a truncated body is retried', async () => {
    proxy.inject(TAG_LIST, { truncate: true });
    assert.equal((await list()).tags.length, 2);
  });

  test('a body over the size limit is an error, not a memory blow-up', async () => {
    proxy.inject(TAG_LIST, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags: Array.from({ length: 5000 }, (_, i) => `t${i}`) }) });
    await assert.rejects(list({ maxBodyBytes: 10_000 }), /team\/app: .*exceeds the 10000-byte limit/);
  });

  test('invalid tag names are dropped with a warning', async () => {
    proxy.inject(TAG_LIST, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags: ['1.0.0', '../etc', 'a b', '-x'] }) });
    const result = await list();
    assert.deepEqual(result.tags, [{ tag: '1.0.0' }]);
    assert.deepEqual(result.invalid, ['../etc', 'a b', '-x']);
    assert.match(result.warnings.join('\n'), /dropped 3 name\(s\) that are not valid tags/);
  });

  test('a manifest that does not match its digest is refused', async () => {
    const client = testClient([], { registries: [{ host: proxy.host, insecure: true }] });
    const digest = await client.resolveDigest(ref(`${proxy.host}/team/app`), '1.0.0');
    proxy.inject(new RegExp(`GET /v2/team/app/manifests/${digest}`), { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: '{"schemaVersion":2,"config":{"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}}' });
    const result = await client.listTags(ref(`${proxy.host}/team/app`), { created: true, digests: false, platforms: false });
    assert.match(result.warnings.join('\n'), /metadata unavailable for 1 tag\(s\), e\.g\. 1\.0\.0: manifest sha256:\w+: content does not match its digest/);
    await client.close();
  });
});

describe('one bad registry never blocks the others', () => {
  let registry: TestRegistry;
  let blackHole: ReturnType<typeof createServer>;
  let holePort: number;

  before(async () => {
    registry = await startRegistry();
    await seedTags(registry.url, 'team/app', [{ tag: '1.0.0' }]);
    // Accepts connections and never answers.
    blackHole = createServer(() => {});
    holePort = await listenLocal(blackHole);
  });

  after(async () => {
    blackHole.close();
    await registry.stop();
  });

  test('a registry that hangs delays only its own images', async () => {
    const hole = `127.0.0.1:${holePort}`;
    const client = testClient([registry.host, hole], { timeoutMs: 800, retries: 0 });
    let goodDoneAt = 0;
    const started = Date.now();
    const [good, bad] = await Promise.allSettled([
      client.listTags(ref(`${registry.host}/team/app`)).then((r) => {
        goodDoneAt = Date.now();
        return r;
      }),
      client.listTags(ref(`${hole}/team/app`)),
    ]);
    assert.equal(good.status, 'fulfilled');
    assert.ok(goodDoneAt - started < 500, 'the good registry answered without waiting for the bad one');
    assert.equal(bad.status, 'rejected');
    assert.match(String((bad as PromiseRejectedResult).reason), /127\.0\.0\.1:\d+\/team\/app: .*(no response headers in time|timed out)/);
    await client.close();
  });
});
