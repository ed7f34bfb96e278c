import fs from 'node:fs';
import { rm } from 'node:fs/promises';
import git from 'isomorphic-git';
import type { ObjectStore } from './tree.ts';
import type { TransportSession } from './transport.ts';

export interface FetchTarget {
  store: ObjectStore;
  /** The working directory isomorphic-git is given; never checked out. */
  dir: string;
  url: string;
  branch: string;
}

/**
 * Brings `refs/remotes/origin/<branch>` up to date. The first time: a shallow (depth 1),
 * single-branch clone without checkout. Afterwards: a plain fetch into that shallow clone,
 * which asks only for the commits and objects since our head (re-fetching with `depth: 1`
 * would download the whole tree again).
 */
export async function fetchBranch(target: FetchTarget, session: TransportSession): Promise<string> {
  const { store, dir, url, branch } = target;
  const common = { fs, http: session.http, ...store, url, ref: branch, singleBranch: true };
  if (fs.existsSync(`${store.gitdir}/HEAD`)) {
    await git.fetch({ ...common, tags: false });
  } else {
    try {
      await git.clone({ ...common, dir, depth: 1, noCheckout: true, noTags: true });
    } catch (error) {
      // A half-written clone would fail every later cycle; the cache is always safe to drop.
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const head = await git.resolveRef({ fs, gitdir: store.gitdir, ref: `refs/remotes/origin/${branch}` });
  // isomorphic-git offers the local branch as its "have" on the next fetch: keep it at the
  // remote head, or every later fetch would re-download everything since the first clone.
  await git.writeRef({ fs, gitdir: store.gitdir, ref: `refs/heads/${branch}`, value: head, force: true });
  return head;
}
