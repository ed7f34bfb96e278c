import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from './registry.ts';
import { startGitServer, type GitServer } from './git-server.ts';
import { seedTags, versionTags } from './images.ts';
import { createBareRepo } from './git-repos.ts';
import { FLEET_TAGS, fleetFiles, writeConfig } from './fleet.ts';

/** What `npm run demo` runs against: the fleet repo on a Git server, its images in a registry. */
export interface DemoFleet {
  registry: TestRegistry;
  server: GitServer;
  /** The fleet's bare repository on the Git server. */
  bare: string;
  /** A tagpilot config for the fleet (its cache in a scratch directory). */
  config: string;
  /** The scratch directory the config lives in. */
  work: string;
  stop(): Promise<void>;
}

/** Starts a registry and a Git server, seeds the fleet; `onSeeded` hears of each image pushed. */
export async function startDemoFleet(onSeeded: (image: string, tags: readonly string[]) => void = () => {}): Promise<DemoFleet> {
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-demo-'));
  const [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
  const stop = async () => {
    await Promise.all([registry.stop(), server.stop()]);
    rmSync(work, { recursive: true, force: true });
  };
  try {
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) {
      await seedTags(registry.url, repository, versionTags(tags));
      onSeeded(`${registry.host}/${repository}`, tags);
    }
    const bare = createBareRepo(server.root, 'fleet', fleetFiles(registry.host));
    const config = writeConfig(work, `git:\n  url: ${server.repoUrl('fleet')}\n  branch: main\n  paths: [apps]\n  author: { name: tagpilot, email: tagpilot@demo.local }\nregistries:\n  - host: ${registry.host}\n    insecure: true\ncacheDir: cache\n`);
    return { registry, server, bare, config, work, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
