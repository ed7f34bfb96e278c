// Child process for the cache tests: writes `count` metadata entries into `dir` as fast as it can.
import { createHash } from 'node:crypto';
import { DiskCache } from '../../src/registry/cache.ts';

const [dir = '', count = '0'] = process.argv.slice(2);
const cache = new DiskCache(dir);
for (let i = 0; i < Number(count); i++) {
  const digest = `sha256:${createHash('sha256').update(String(i)).digest('hex')}`;
  await cache.saveMetadata(digest, { created: '2024-01-01T00:00:00.000Z', platforms: ['linux/amd64'] });
}
