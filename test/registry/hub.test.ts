import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags } from '../harness/images.ts';
import { HubDouble, type HubTag } from '../harness/clouds/hub.ts';
import { ALL_NEEDS, ref, testClient } from './helpers.ts';
import type { RegistryClient } from '../../src/registry/client.ts';

const hex = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const hubTag = (name: string, minute: number): HubTag => ({
  name,
  last_updated: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
  digest: hex(minute + 1),
  images: [
    { architecture: 'amd64', os: 'linux', variant: null, digest: hex(1000 + minute) },
    { architecture: 'arm64', os: 'linux', variant: 'v8', digest: hex(2000 + minute) },
  ],
});

describe("Docker Hub's tag API (a strict double of its documented endpoint)", () => {
  let hub: HubDouble;
  let registry: TestRegistry;
  const many = Array.from({ length: 250 }, (_, i) => hubTag(`1.0.${i}`, i));

  before(async () => {
    hub = await HubDouble.start({ 'library/nginx': many, 'acme/small': [hubTag('2.0.0', 1), hubTag('2.1.0', 2)] });
    registry = await startRegistry();
    await seedTags(registry.url, 'acme/private', [{ tag: '3.0.0' }]);
  });

  after(async () => {
    await Promise.all([hub.stop(), registry.stop()]);
  });

  // The registry stands in for docker.io; its Hub API is the double.
  const client = (): RegistryClient =>
    testClient([hub.host], {
      registries: [
        { host: registry.host, insecure: true, hubApi: hub.url },
        { host: hub.host, insecure: true },
      ],
    });

  test('build times, digests and platforms come 100 tags a page, with no manifest request', async () => {
    const before = hub.requests.length;
    const c = client();
    const list = await c.listTags(ref(`${registry.host}/library/nginx`), ALL_NEEDS);
    assert.equal(list.tags.length, 250);
    assert.deepEqual(hub.requests.slice(before), ['/v2/namespaces/library/repositories/nginx/tags?page_size=100', '/v2/namespaces/library/repositories/nginx/tags?page=2&page_size=100', '/v2/namespaces/library/repositories/nginx/tags?page=3&page_size=100']);
    const tag = list.tags.find((t) => t.tag === '1.0.7')!;
    assert.deepEqual(tag, { tag: '1.0.7', created: new Date(Date.UTC(2026, 0, 1, 0, 7)), digest: hex(8), platforms: ['linux/amd64', 'linux/arm64/v8'] });
    assert.deepEqual(c.stats().byKind, { hub: 3 });
    await c.close();
  });

  test('a policy that needs only names uses the Distribution tag list (one request, not three)', async () => {
    const before = hub.requests.length;
    const c = client();
    await assert.rejects(c.listTags(ref(`${registry.host}/library/nginx`)), /repository not found/);
    assert.equal(hub.requests.length, before);
    await c.close();
  });

  test('where the Hub API does not serve (404), the Distribution API is asked', async () => {
    const c = client();
    const list = await c.listTags(ref(`${registry.host}/acme/private`), ALL_NEEDS);
    assert.deepEqual(
      list.tags.map((t) => t.tag),
      ['3.0.0'],
    );
    assert.ok((c.stats().byKind.manifest ?? 0) > 0);
    await c.close();
  });

  test('ratelimit-remaining: 0 is a budget: the next repository fails at once, without a request', async () => {
    const c = client();
    hub.remaining = 1;
    await c.listTags(ref(`${registry.host}/acme/small`), ALL_NEEDS);
    const before = hub.requests.length;
    await assert.rejects(c.listTags(ref(`${registry.host}/acme/small`), ALL_NEEDS), /Docker Hub rate limit reached \(ratelimit-remaining: 0\) until 20\d\d-/);
    assert.equal(hub.requests.length, before, 'no request spent on a known-empty budget');
    hub.remaining = 180;
    await c.close();
  });

  test('a "next" link to another host is refused', async () => {
    hub.linkBase = 'http://127.0.0.2:9';
    const c = client();
    await assert.rejects(c.listTags(ref(`${registry.host}/library/nginx`), ALL_NEEDS), /next page on another host \(127\.0\.0\.2:9\); refused/);
    hub.linkBase = undefined;
    await c.close();
  });
});
