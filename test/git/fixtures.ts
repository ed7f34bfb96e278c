import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepo } from '../../src/git/repo.ts';
import type { GitRemote } from '../../src/git/remote.ts';
import { git } from '../harness/git-repos.ts';

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
