import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from './registry.ts';
import { startGitServer, type GitServer } from './git-server.ts';
import { writeConfig } from './fleet.ts';

/** A registry, a Git server and a scratch directory: what an end-to-end test runs against. */
export interface Stack {
  registry: TestRegistry;
  server: GitServer;
  work: string;
  /** Writes a config for repository `repo` on the Git server; `extra` is appended YAML. A path that holds no manifest is a problem, so `paths` names only folders the repository has. */
  config(repo: string, extra?: string, paths?: readonly string[]): string;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-e2e-'));
  let configs = 0;
  return {
    registry,
    server,
    work,
    config(repo, extra = '', paths = ['apps']) {
      // Each config gets its own cache, so tests never share a clone by accident.
      return writeConfig(work, `git:\n  url: ${server.repoUrl(repo)}\n  paths: [${paths.join(', ')}]\n  author: { name: tagpilot-bot, email: bot@example.com }\nregistries:\n  - { host: "${registry.host}", insecure: true }\ncacheDir: cache-${++configs}\n${extra}`);
    },
    async stop() {
      await Promise.all([registry.stop(), server.stop()]);
      rmSync(work, { recursive: true, force: true });
    },
  };
}
