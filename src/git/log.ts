import fs from 'node:fs';
import { join, resolve } from 'node:path';
import git from 'isomorphic-git';

/** A commit as `tagpilot history` needs it. */
export interface LoggedCommit {
  oid: string;
  message: string;
  author: string;
  /** Commit time, seconds since the epoch. */
  time: number;
}

/**
 * The git directory of a repository on disk: `DIR/.git` (or the directory a `.git` file points
 * to, as in worktrees), or DIR itself when it is bare. Undefined when DIR is no repository.
 */
export function findGitDir(dir: string): string | undefined {
  const dotGit = join(dir, '.git');
  try {
    const stat = fs.statSync(dotGit);
    if (stat.isDirectory()) return dotGit;
    const pointer = /^gitdir: (.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'))?.[1];
    return pointer === undefined ? undefined : resolve(dir, pointer.trim());
  } catch {
    return fs.existsSync(join(dir, 'HEAD')) && fs.existsSync(join(dir, 'objects')) ? dir : undefined;
  }
}

/** Commits reachable from `ref`, newest first, down to `since` (or the shallow boundary). */
export async function readLog(gitdir: string, ref: string, since?: Date): Promise<LoggedCommit[]> {
  const commits = await git.log({ fs, gitdir, ref, ...(since === undefined ? {} : { since }), cache: {} });
  return commits.map((c) => ({ oid: c.oid, message: c.commit.message, author: `${c.commit.author.name} <${c.commit.author.email}>`, time: c.commit.committer.timestamp }));
}
