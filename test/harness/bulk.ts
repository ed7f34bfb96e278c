import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seedTags } from './images.ts';

/**
 * Seeds `tags` in `repository` fast, for benchmarks: one real image is pushed through the API,
 * then every other tag is written as a link in Distribution's filesystem layout
 * (`_manifests/tags/<tag>/current/link` → the image's digest), which is what a manifest PUT
 * by tag would write. The registry reads tags from storage on every request, so no restart is needed.
 */
export async function seedManyTags(registryUrl: string, storage: string, repository: string, tags: readonly string[], options: { indexLinks?: boolean } = {}): Promise<void> {
  const [first, ...rest] = tags;
  if (first === undefined) return;
  const digests = await seedTags(registryUrl, repository, [{ tag: first }]);
  const digest = digests.get(first)!;
  const root = join(storage, 'docker/registry/v2/repositories', repository, '_manifests/tags');
  const [algorithm, hex] = digest.split(':') as [string, string];
  const write = async (tag: string) => {
    const current = join(root, tag, 'current');
    await mkdir(current, { recursive: true });
    await writeFile(join(current, 'link'), digest);
    // The index link only matters for deleting tags; benchmarks skip it to seed twice as fast.
    if (options.indexLinks === false) return;
    const index = join(root, tag, 'index', algorithm, hex);
    await mkdir(index, { recursive: true });
    await writeFile(join(index, 'link'), digest);
  };
  for (let i = 0; i < rest.length; i += 256) await Promise.all(rest.slice(i, i + 256).map(write));
}
