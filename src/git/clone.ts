import fs from 'node:fs';
import { rm } from 'node:fs/promises';
import git from 'isomorphic-git';
import { fetchPack } from './fetch-pack.ts';
import type { GitLimits } from './limits.ts';
import type { ObjectReader } from './object-reader.ts';
import type { ObjectStore } from './tree.ts';
import type { TransportSession } from './transport.ts';
import { inCache } from './remote.ts';

export interface FetchTarget {
  store: ObjectStore;
  /** The directory holding `.git`; never checked out. */
  dir: string;
  url: string;
  branch: string;
  description: string;
  limits?: GitLimits;
  /** The clone's object reader. */
  reader: ObjectReader;
}

/**
 * Brings `refs/remotes/origin/<branch>` up to date; returns its head, or undefined when the
 * remote has no such branch. The first time: a shallow (depth 1), single-branch clone without
 * checkout. Afterwards: a plain fetch into that shallow clone, offering our heads as `have`s so
 * only the commits and objects since are sent (re-fetching at depth 1 would download the whole
 * tree again), and nothing at all when we already hold the remote head.
 */
export async function fetchBranch(target: FetchTarget, session: TransportSession): Promise<string | undefined> {
  const { store, dir, url, branch, reader } = target;
  const first = !fs.existsSync(`${store.gitdir}/HEAD`);
  if (first) await inCache('initialise', () => git.init({ fs, dir, gitdir: store.gitdir, defaultBranch: branch }));
  try {
    const haves = await inCache('read its branches', () => localHeads(store));
    // A branch fetched for the first time (the clone, or a push branch) comes at depth 1 too:
    // its history may reach back past anything we hold, and we need only its tip.
    const known = fs.existsSync(`${store.gitdir}/refs/remotes/origin/${branch}`);
    const head = await fetchPack(session, { gitdir: store.gitdir, cache: store.cache, url, ref: `refs/heads/${branch}`, depth: known ? undefined : 1, haves, description: target.description, limits: target.limits, reader });
    if (head === undefined) return undefined;
    // Past the operation's deadline nothing more is written.
    session.signal?.throwIfAborted();
    await inCache('write its refs', async () => {
      await git.writeRef({ fs, gitdir: store.gitdir, ref: `refs/remotes/origin/${branch}`, value: head, force: true });
      // Our branch follows the remote's: it is what the next fetch offers as a `have`.
      await git.writeRef({ fs, gitdir: store.gitdir, ref: `refs/heads/${branch}`, value: head, force: true });
    });
    return head;
  } catch (error) {
    // A half-written clone would fail every later cycle; the cache is always safe to drop.
    if (first) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function localHeads(store: ObjectStore): Promise<string[]> {
  const branches = await git.listBranches({ fs, gitdir: store.gitdir });
  const oids = await Promise.all(branches.map((b) => git.resolveRef({ fs, gitdir: store.gitdir, ref: `refs/heads/${b}` }).catch(() => undefined)));
  return [...new Set(oids.filter((o): o is string => o !== undefined))];
}
