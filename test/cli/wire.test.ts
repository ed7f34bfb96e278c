import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseImageRef } from '../../src/image/index.ts';
import { registryClient } from '../../src/cli/wire.ts';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags, versionTags } from '../harness/images.ts';

let registry: TestRegistry;
let cacheDir: string;
before(async () => {
  registry = await startRegistry();
  cacheDir = await mkdtemp(join(tmpdir(), 'tagpilot-wire-'));
});
after(async () => {
  await registry.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

const io = { out: new PassThrough(), err: new PassThrough(), in: new PassThrough(), cwd: '/', env: {} };

test('a tag pushed between two cycles of a 1 s interval is in the next listing (the tag-list cache lasts no longer than the interval)', async () => {
  await seedTags(registry.url, 'team/ttl', versionTags(['1.0.0']));
  const client = await registryClient({ registries: [{ host: registry.host, insecure: true }], cacheDir, source: join(cacheDir, 'config.yaml'), interval: 1000 } as Parameters<typeof registryClient>[0], io);
  const ref = parseImageRef(`${registry.host}/team/ttl`);
  assert.deepEqual(
    (await client.listTags(ref)).tags.map((t) => t.tag),
    ['1.0.0'],
  );
  await seedTags(registry.url, 'team/ttl', versionTags(['1.1.0']));
  await sleep(1100);
  const names = (await client.listTags(ref)).tags.map((t) => t.tag);
  await client.close();
  assert.ok(names.includes('1.1.0'), `the next cycle sees 1.1.0 (got ${names.join(', ')})`);
});
