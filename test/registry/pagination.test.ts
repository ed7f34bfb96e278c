import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedManyTags } from '../harness/bulk.ts';
import { FaultProxy, type ProxyOptions } from '../harness/fault-proxy.ts';
import type { RegistrySettings } from '../../src/registry/endpoint.ts';
import { parseNextLink } from '../../src/registry/tags.ts';
import type { TagpilotError } from '../../src/problems/index.ts';
import { until } from '../harness/wait.ts';
import { ref, testClient } from './helpers.ts';

const TAGS = Array.from({ length: 25 }, (_, i) => `1.0.${i}`);
const SORTED = [...TAGS].sort();

describe('tag list pagination (a paging proxy in front of real Distribution)', () => {
  let registry: TestRegistry;
  const proxies: FaultProxy[] = [];

  before(async () => {
    registry = await startRegistry();
    await seedManyTags(registry.url, registry.storage, 'team/app', TAGS);
  });

  after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await registry.stop();
  });

  const proxy = async (options: Omit<ProxyOptions, 'upstream'>) => {
    const started = await FaultProxy.start({ upstream: registry.url, ...options });
    proxies.push(started);
    return started;
  };
  const list = async (p: FaultProxy, settings: Partial<RegistrySettings> = {}) => {
    const client = testClient([], { registries: [{ host: p.host, insecure: true, ...settings }] });
    try {
      return await client.listTags(ref(`${p.host}/team/app`));
    } finally {
      await client.close();
    }
  };

  test('follows relative next links with the configured page size', async () => {
    const p = await proxy({ link: 'relative' });
    const result = await list(p, { pageSize: 10 });
    assert.deepEqual(
      result.tags.map((t) => t.tag),
      SORTED,
    );
    assert.equal(p.count(/tags\/list/), 3);
    assert.match(p.requests[0]!.path, /\?n=10$/);
  });

  test('follows absolute next links on the same host and port', async () => {
    const p = await proxy({ link: 'absolute' });
    assert.deepEqual(
      (await list(p, { pageSize: 7 })).tags.map((t) => t.tag),
      SORTED,
    );
    assert.equal(p.count(/tags\/list/), 4);
  });

  test('a next link to another host is refused, and that host is never asked', async () => {
    const elsewhere = await proxy({});
    const p = await proxy({ link: (relative) => `${elsewhere.url}${relative}` });
    await assert.rejects(list(p, { pageSize: 10 }), /team\/app: .*pagination link to another host \(127\.0\.0\.1:\d+\); refused/);
    assert.equal(elsewhere.requests.length, 0);
  });

  test('a rejected page size falls back to 100 (Quay) and pages from there', async () => {
    const p = await proxy({ maxPageSize: 100, pageSize: 100 });
    assert.deepEqual(
      (await list(p, { pageSize: 1000 })).tags.map((t) => t.tag),
      SORTED,
    );
    assert.deepEqual(
      p.requests.map((r) => new URL(r.path, 'http://x').searchParams.get('n')),
      ['1000', '100'],
    );
  });

  test("the server's order is not trusted: the result is sorted and deduplicated", async () => {
    const p = await proxy({ order: (tags) => [...tags].reverse() });
    assert.deepEqual(
      (await list(p, { pageSize: 6 })).tags.map((t) => t.tag),
      SORTED,
    );
  });

  test("past maxTags the listing fails as the repository's problem (pagination-limit), naming the setting", async () => {
    const p = await proxy({});
    await assert.rejects(list(p, { pageSize: 10, maxTags: 12 }), (error: TagpilotError) => {
      assert.equal(error.code, 'pagination-limit');
      assert.match(error.message, /team\/app: 127\.0\.0\.1:\d+ sent more than 12 tags; raise maxTags for 127\.0\.0\.1:\d+/);
      return true;
    });
  });

  test('a registry sending a next link forever is stopped at maxPages (pagination-limit)', async () => {
    const p = await proxy({});
    const endless = Array.from({ length: 200 }, (_, i) => ({
      status: 200,
      headers: { 'content-type': 'application/json', link: `</v2/team/app/tags/list?n=10&page=${i + 1}>; rel="next"` },
      body: JSON.stringify({ name: 'team/app', tags: ['1.0.0'] }),
    }));
    p.inject(/tags\/list/, ...endless);
    await assert.rejects(list(p, { pageSize: 10, maxPages: 20 }), (error: TagpilotError) => error.code === 'pagination-limit' && /more than 20 pages of tags; raise maxPages/.test(error.message));
    assert.equal(p.count(/tags\/list/), 20);
  });

  test('a listing slower than listTimeout fails (listing-deadline) and its request in flight is cancelled', async () => {
    const p = await proxy({});
    p.inject(/tags\/list/, { delayMs: 2_000 });
    const started = performance.now();
    await assert.rejects(list(p, { listTimeoutMs: 300 }), (error: TagpilotError) => error.code === 'listing-deadline' && /did not finish listing tags within 0\.3s \(listTimeout\)/.test(error.message));
    assert.ok(performance.now() - started < 2_000, 'failed at the deadline, not after the stall');
    await until(() => p.requests[0]?.cancelled === true);
  });

  test('a single-page list with an ETag is revalidated with If-None-Match after the TTL', async () => {
    const p = await proxy({ etag: true });
    const client = testClient([], { registries: [{ host: p.host, insecure: true }], tagCacheTtlMs: 0 });
    const first = await client.listTags(ref(`${p.host}/team/app`));
    const second = await client.listTags(ref(`${p.host}/team/app`));
    assert.deepEqual(second.tags, first.tags);
    assert.deepEqual(
      p.requests.map((r) => r.ifNoneMatch !== undefined),
      [false, true],
    );
    await client.close();
  });

  test('a paged list without ETags that comes back page for page as it was is not parsed again: callers keep the same tag objects', async () => {
    const p = await proxy({ link: 'relative' });
    const client = testClient([], { registries: [{ host: p.host, insecure: true, pageSize: 10 }], tagCacheTtlMs: 0 });
    try {
      const first = await client.listTags(ref(`${p.host}/team/app`));
      const second = await client.listTags(ref(`${p.host}/team/app`));
      assert.equal(p.count(/tags\/list/), 6, 'each listing asks for its three pages');
      assert.equal(second.tags, first.tags);
      assert.deepEqual(
        second.tags.map((t) => t.tag),
        SORTED,
      );
    } finally {
      await client.close();
    }
  });

  test('within the TTL the cached list is used without a request', async () => {
    const p = await proxy({});
    const client = testClient([], { registries: [{ host: p.host, insecure: true }], tagCacheTtlMs: 60_000 });
    await client.listTags(ref(`${p.host}/team/app`));
    await client.listTags(ref(`${p.host}/team/app`));
    assert.equal(p.requests.length, 1);
    await client.close();
  });
});

describe('Link header parsing', () => {
  const cases: [string, string | undefined][] = [
    ['</v2/a/tags/list?n=10&last=b>; rel="next"', '/v2/a/tags/list?n=10&last=b'],
    ['<https://r.example/v2/a/tags/list?last=b>; rel=next', 'https://r.example/v2/a/tags/list?last=b'],
    ['</first>; rel="prev", </second>; rel="next"', '/second'],
    ['</x>; rel="prev"', undefined],
    ['garbage', undefined],
  ];
  for (const [header, expected] of cases) test(header, () => assert.equal(parseNextLink(header), expected));
});
