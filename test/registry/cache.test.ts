import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags } from '../harness/images.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { until } from '../harness/wait.ts';
import { DiskCache } from '../../src/registry/cache.ts';
import { ref, tempDir, testClient } from './helpers.ts';

const CREATED = { created: true, digests: false, platforms: false };
const METADATA_REQUESTS = /^(HEAD|GET) \/v2\/team\/app\/(manifests|blobs)\//;

describe('build-time metadata: fetched once per digest, kept on disk', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  const cache = tempDir('meta');

  before(async () => {
    registry = await startRegistry();
    await seedTags(registry.url, 'team/app', [
      { tag: '1.0.0', created: new Date('2024-01-01T00:00:00Z') },
      { tag: '1.1.0', created: new Date('2024-02-01T00:00:00Z') },
    ]);
    proxy = await FaultProxy.start({ upstream: registry.url });
  });

  after(async () => {
    await proxy.stop();
    await registry.stop();
    cache.remove();
  });

  const listCreated = async () => {
    const client = testClient([proxy.host], { cacheDir: cache.path });
    const before = proxy.count(METADATA_REQUESTS);
    const list = await client.listTags(ref(`${proxy.host}/team/app`), CREATED);
    await client.close();
    return { list, metadataRequests: proxy.count(METADATA_REQUESTS) - before };
  };

  test('the first listing fetches HEAD, manifest and config blob per tag', async () => {
    const { list, metadataRequests } = await listCreated();
    assert.deepEqual(
      list.tags.map((t) => t.created?.toISOString()),
      ['2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z'],
    );
    assert.equal(metadataRequests, 6);
  });

  test('a new process with the same cache directory fetches no metadata again', async () => {
    const { list, metadataRequests } = await listCreated();
    assert.equal(list.tags.length, 2);
    assert.equal(metadataRequests, 0);
  });

  test('a new tag costs only its own fetches', async () => {
    await seedTags(registry.url, 'team/app', [{ tag: '1.2.0', created: new Date('2024-03-01T00:00:00Z') }]);
    const { list, metadataRequests } = await listCreated();
    assert.equal(list.tags.at(-1)?.created?.toISOString(), '2024-03-01T00:00:00.000Z');
    assert.equal(metadataRequests, 3);
  });

  test('a corrupt cache file is treated as missing and rewritten', async () => {
    const dir = join(cache.path, 'registry/digests/sha256');
    for (const file of readdirSync(dir)) writeFileSync(join(dir, file), '{"created": "2024-');
    const { list, metadataRequests } = await listCreated();
    assert.equal(list.tags.length, 3);
    assert.equal(metadataRequests, 6, 'manifest and blob per tag again; the tag → digest map was intact');
  });

  test('a cache file found damaged is reported (for the logs), named, and rebuilt', async () => {
    const dir = join(cache.path, 'registry/digests/sha256');
    const [first] = readdirSync(dir);
    writeFileSync(join(dir, first!), '');
    const damaged: string[] = [];
    const client = testClient([proxy.host], { cacheDir: cache.path, onCacheDamaged: (file) => damaged.push(file) });
    await client.listTags(ref(`${proxy.host}/team/app`), CREATED);
    await client.close();
    assert.deepEqual(damaged, [join(dir, first!)]);
    JSON.parse(readFileSync(join(dir, first!), 'utf8'));
  });

  test('the cache directory can be deleted at any time; the next listing rebuilds it', async () => {
    rmSync(cache.path, { recursive: true, force: true });
    const { list, metadataRequests } = await listCreated();
    assert.equal(list.tags.length, 3);
    assert.equal(metadataRequests, 9);
  });
});

describe('DiskCache writes are atomic', () => {
  const writer = fileURLToPath(new URL('./cache-writer.ts', import.meta.url));
  const node = process.execPath;

  test('two processes writing the same entries leave only whole files', async () => {
    const dir = tempDir('two');
    const children = [0, 1].map(() => spawn(node, [writer, dir.path, '300'], { stdio: 'ignore' }));
    await Promise.all(children.map((c) => once(c, 'exit')));
    const files = readdirSync(join(dir.path, 'registry/digests/sha256'));
    assert.equal(files.filter((f) => f.endsWith('.json')).length, 300);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
    );
    for (const file of files) JSON.parse(readFileSync(join(dir.path, 'registry/digests/sha256', file), 'utf8'));
    dir.remove();
  });

  test('temp files a killed process left behind are swept on the next write; fresh ones are left alone', async () => {
    const dir = tempDir('sweep');
    const digests = join(dir.path, 'registry/digests/sha256');
    mkdirSync(digests, { recursive: true });
    writeFileSync(join(digests, '.111.dead.tmp'), '{"half');
    writeFileSync(join(digests, '.222.live.tmp'), '{"half');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(digests, '.111.dead.tmp'), hourAgo, hourAgo);
    await new DiskCache(dir.path).saveMetadata(`sha256:${'c'.repeat(64)}`, { platforms: [] });
    assert.deepEqual(readdirSync(digests).sort(), ['.222.live.tmp', `${'c'.repeat(64)}.json`]);
    dir.remove();
  });

  test('after kill -9 mid-write every entry reads back whole or not at all', async () => {
    const dir = tempDir('kill');
    const child = spawn(node, [writer, dir.path, '100000'], { stdio: 'ignore' });
    // Killed once it is writing, however long a loaded machine takes to start it; then a little later, mid-stream.
    const digests = join(dir.path, 'registry/digests/sha256');
    await until(() => existsSync(digests) && readdirSync(digests).some((f) => f.endsWith('.json')), 30_000, 'the writer started');
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await once(child, 'exit');
    const cache = new DiskCache(dir.path);
    const names = readdirSync(digests).filter((f) => f.endsWith('.json'));
    assert.ok(names.length > 0);
    for (const name of names) assert.deepEqual(await cache.metadata(`sha256:${name.replace('.json', '')}`), { created: '2024-01-01T00:00:00.000Z', platforms: ['linux/amd64'] });
    dir.remove();
  });
});
