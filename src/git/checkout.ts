import * as fs from 'node:fs';
import { join, relative, sep } from 'node:path';
import git from 'isomorphic-git';
import type { GitAuthor } from './remote.ts';

/**
 * Commits files already written in a working checkout on disk (the user's own clone, as
 * `tagpilot release` edits it): stages exactly `paths` (relative to `dir`) and commits them on the
 * checked-out branch, as `git add` + `git commit` would. Returns the new commit.
 */
export async function commitInCheckout(dir: string, paths: readonly string[], message: string, env: NodeJS.ProcessEnv): Promise<string> {
  const root = await git.findRoot({ fs, filepath: dir });
  for (const path of paths) await git.add({ fs, dir: root, filepath: relative(root, join(dir, path)).split(sep).join('/') });
  return git.commit({ fs, dir: root, message, author: await checkoutAuthor(root, env) });
}

/**
 * Who commits: the usual environment variables first (isomorphic-git reads only the repo's own
 * config), then the repo's `user.name`/`user.email`; a checkout without an identity still gets a
 * commit, under tagpilot's own name.
 */
async function checkoutAuthor(root: string, env: NodeJS.ProcessEnv): Promise<GitAuthor> {
  const name = env.GIT_AUTHOR_NAME ?? ((await git.getConfig({ fs, dir: root, path: 'user.name' })) as string | undefined);
  const email = env.GIT_AUTHOR_EMAIL ?? ((await git.getConfig({ fs, dir: root, path: 'user.email' })) as string | undefined);
  return { name: name ?? 'tagpilot', email: email ?? 'tagpilot@localhost' };
}

/** The `user.name <user.email>` of the repository holding `dir`, if it has one. */
export async function checkoutIdentity(dir: string): Promise<string | undefined> {
  try {
    const root = await git.findRoot({ fs, filepath: dir });
    const name = (await git.getConfig({ fs, dir: root, path: 'user.name' })) as string | undefined;
    const email = (await git.getConfig({ fs, dir: root, path: 'user.email' })) as string | undefined;
    if (name === undefined) return undefined;
    return email === undefined ? name : `${name} <${email}>`;
  } catch {
    return undefined;
  }
}
