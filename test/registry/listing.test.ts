import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags } from '../harness/images.ts';
import type { RegistryClient } from '../../src/registry/client.ts';
import { ALL_NEEDS, ref, tempDir, testClient } from './helpers.ts';

describe('an anonymous registry (real Distribution)', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  const cache = tempDir('listing');
  let digests: Map<string, string>;

  before(async () => {
    registry = await startRegistry();
    digests = await seedTags(registry.url, 'team/app', [
      { tag: '1.0.0', created: new Date('2024-01-01T00:00:00Z') },
      { tag: '1.1.0', created: new Date('2024-02-01T00:00:00Z') },
      { tag: '2.0.0', created: new Date('2024-03-01T00:00:00Z') },
    ]);
    await seedTags(registry.url, 'team/multi', [{ tag: 'oci', created: new Date('2024-04-01T00:00:00Z'), platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] }], { format: 'oci' });
    await seedTags(registry.url, 'team/multi', [{ tag: 'docker', created: new Date('2024-05-01T00:00:00Z'), platforms: ['linux/amd64', 'linux/arm64/v8'] }], { format: 'docker' });
    await seedTags(registry.url, 'team/single-docker', [{ tag: 'v1', created: new Date('2024-06-01T00:00:00Z') }], { format: 'docker' });
    client = testClient([registry.host], { cacheDir: cache.path });
  });

  after(async () => {
    await client.close();
    await registry.stop();
    cache.remove();
  });

  test('lists tags, sorted, with nothing else when the policy needs nothing', async () => {
    const list = await client.listTags(ref(`${registry.host}/team/app`));
    assert.deepEqual(list.tags, [{ tag: '1.0.0' }, { tag: '1.1.0' }, { tag: '2.0.0' }]);
    assert.deepEqual(list.warnings, []);
  });

  test('fills build time and digest from the manifest and config blob when needed', async () => {
    const list = await client.listTags(ref(`${registry.host}/team/app:1.0.0`), ALL_NEEDS);
    const latest = list.tags.find((t) => t.tag === '2.0.0');
    assert.deepEqual(latest, { tag: '2.0.0', digest: digests.get('2.0.0'), created: new Date('2024-03-01T00:00:00Z'), platforms: ['linux/amd64'] });
  });

  test('an OCI index gives its platforms, arm64 normalised to arm64/v8', async () => {
    const list = await client.listTags(ref(`${registry.host}/team/multi`), { created: true, digests: false, platforms: true });
    assert.deepEqual(
      list.tags.find((t) => t.tag === 'oci'),
      { tag: 'oci', created: new Date('2024-04-01T00:00:00Z'), platforms: ['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8'] },
    );
  });

  test('a Docker manifest list gives its platforms and the build time of a child image', async () => {
    const list = await client.listTags(ref(`${registry.host}/team/multi`), { created: true, digests: false, platforms: true });
    assert.deepEqual(
      list.tags.find((t) => t.tag === 'docker'),
      { tag: 'docker', created: new Date('2024-05-01T00:00:00Z'), platforms: ['linux/amd64', 'linux/arm64/v8'] },
    );
  });

  test('a Docker v2 image manifest gives its config blob created time', async () => {
    const list = await client.listTags(ref(`${registry.host}/team/single-docker`), { created: true, digests: false, platforms: false });
    assert.deepEqual(list.tags, [{ tag: 'v1', created: new Date('2024-06-01T00:00:00Z') }]);
  });

  test('resolveDigest answers the digest a tag points to now', async () => {
    assert.equal(await client.resolveDigest(ref(`${registry.host}/team/app`), '1.1.0'), digests.get('1.1.0'));
  });

  test('an unknown repository is an error that names it', async () => {
    await assert.rejects(client.listTags(ref(`${registry.host}/team/nothing`)), /127\.0\.0\.1:\d+\/team\/nothing: repository not found/);
  });

  test('plain HTTP is refused for a registry the config does not mark insecure', async () => {
    const strict = testClient([]);
    await assert.rejects(strict.listTags(ref(`${registry.host}/team/app`)), /team\/app: .*(TLS|refusing|EPROTO|ECONNRESET)/);
    await strict.close();
  });
});
