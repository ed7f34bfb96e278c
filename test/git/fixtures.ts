import { mkdtempSync, rmSync } from 'node:fs';
import { after, afterEach, before } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepo } from '../../src/git/repo.ts';
import type { GitRemote } from '../../src/git/remote.ts';
import { git } from '../harness/git-repos.ts';
import { startGitServer, type GitServer, type GitServerOptions } from '../harness/git-server.ts';

export const BOT = { name: 'tagpilot-bot', email: 'bot@example.com' };
export const bytes = (text: string) => new TextEncoder().encode(text);

/** A fresh cache directory per repo object, removed by `cleanup`. */
export function cacheDirs(): { make(): string; last(): string; cleanup(): void } {
  const dirs: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), 'tagpilot-cache-'));
      dirs.push(dir);
      return dir;
    },
    last: () => dirs.at(-1)!,
    cleanup() {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function openRepo(cacheDir: string, remote: GitRemote): GitRepo {
  return GitRepo.forRemote(cacheDir, remote);
}

/** Syncs, rewrites one file and pushes: the bot's steady-state write, in one call. */
export async function botWrite(repo: GitRepo, path: string, text: string): Promise<{ parent: string; commit: string }> {
  const parent = await repo.sync();
  const commit = await repo.commit(parent, new Map([[path, bytes(text)]]), `tagpilot: ${path}\n`, BOT);
  await repo.push(commit);
  return { parent, commit };
}

export const show = (bare: string, rev: string) => git(bare, 'show', rev);
export const head = (bare: string, branch = 'main') => git(bare, 'rev-parse', branch).trim();

/** What a test may set on the suite's server for itself: cleared after each test. */
export type SuiteHooks = Pick<GitServerOptions, 'beforeRequest' | 'fault'>;

/**
 * A git http-backend for the tests of one `describe` block: started before them, stopped after
 * them with the clone caches they made; `hooks` are asked on every request.
 */
export function suiteGitServer(): { readonly server: GitServer; caches: ReturnType<typeof cacheDirs>; hooks: SuiteHooks } {
  const caches = cacheDirs();
  const hooks: SuiteHooks = {};
  let server: GitServer | undefined;
  before(async () => {
    server = await startGitServer({ beforeRequest: (request) => hooks.beforeRequest?.(request), fault: (request) => hooks.fault?.(request) });
  });
  afterEach(() => {
    delete hooks.beforeRequest;
    delete hooks.fault;
  });
  after(async () => {
    await server?.stop();
    caches.cleanup();
  });
  return {
    get server() {
      if (server === undefined) throw new Error("the suite's git server is started before its tests");
      return server;
    },
    caches,
    hooks,
  };
}
