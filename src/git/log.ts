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

/** A first-parent history read from a clone: the commits, newest first, and whether a shallow boundary cut it short. */
export interface FirstParents {
  commits: LoggedCommit[];
  /** The walk stopped at a shallow commit (its parents are not in the clone) before `max`. */
  cut: boolean;
}

/**
 * The first-parent chain from `head`, newest first, at most `max` commits: what a branch's own
 * history is (a merged branch's commits are reached through the merge, not walked).
 */
export async function readFirstParents(gitdir: string, head: string, max: number, cache: object = {}): Promise<FirstParents> {
  const shallow = new Set((await fs.promises.readFile(join(gitdir, 'shallow'), 'utf8').catch(() => '')).split('\n').filter((line) => line !== ''));
  const commits: LoggedCommit[] = [];
  for (let oid: string | undefined = head; oid !== undefined && commits.length < max; ) {
    const { commit } = await git.readCommit({ fs, gitdir, oid, cache });
    commits.push({ oid, message: commit.message, author: `${commit.author.name} <${commit.author.email}>`, time: commit.committer.timestamp });
    if (shallow.has(oid) && commit.parent.length > 0) return { commits, cut: commits.length < max };
    oid = commit.parent[0];
  }
  return { commits, cut: false };
}

/** The first-parent history of a checkout's HEAD on disk, newest first; empty when DIR is no repository. */
export async function readCheckoutHistory(dir: string, max: number): Promise<LoggedCommit[]> {
  const gitdir = findGitDir(dir);
  if (gitdir === undefined) return [];
  const head = await git.resolveRef({ fs, gitdir, ref: 'HEAD' });
  return (await readFirstParents(gitdir, head, max)).commits;
}
