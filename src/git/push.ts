import fs from 'node:fs';
import git, { Errors } from 'isomorphic-git';
import { GitError, PushRejected } from './remote.ts';
import type { ObjectStore } from './tree.ts';
import type { TransportSession } from './transport.ts';

export interface PushTarget {
  store: ObjectStore;
  url: string;
  /** The branch written, e.g. `main`. */
  branch: string;
  description: string;
}

/**
 * Sends `commit` as the new head of the branch, never forced. The pack holds only the objects
 * the remote lacks: isomorphic-git subtracts everything reachable from the merge base (our
 * parent), which is exactly the changed blobs, the trees on their paths and the commit.
 */
export async function pushCommit(target: PushTarget, session: TransportSession, commit: string): Promise<void> {
  const ref = `refs/heads/${target.branch}`;
  await git.writeRef({ fs, gitdir: target.store.gitdir, ref, value: commit, force: true });
  // What hooks print to stderr reaches us as side-band messages: kept for the error.
  const messages: string[] = [];
  const onMessage = (line: string) => {
    if (messages.length < 20 && line.trim() !== '') messages.push(line.trim());
  };
  try {
    await git.push({ fs, http: session.http, ...target.store, url: target.url, ref, remoteRef: ref, force: false, onMessage });
  } catch (error) {
    // Detected before sending: the advertised head is not an ancestor of our commit.
    if (error instanceof Errors.PushRejectedError) throw new PushRejected(`push to ${target.description} rejected: the branch moved`, true);
    // The remote's own answer (`ng <ref> <reason>`): a hook, a protected branch, or a ref that
    // moved between the advertisement and the update. The caller tells them apart.
    if (error instanceof Errors.GitPushError) throw new PushRejected(`push to ${target.description} refused by the remote: ${remoteReason(error)}${messages.length === 0 ? '' : ` (remote: ${messages.join(' | ')})`}`, false);
    throw new GitError(`push to ${target.description} failed: ${(error as Error).message}`, { cause: error });
  }
}

function remoteReason(error: InstanceType<typeof Errors.GitPushError>): string {
  const refs = (error.data as { result?: { refs?: Record<string, { ok: boolean; error?: string }> } }).result?.refs ?? {};
  const reasons = Object.values(refs).flatMap((r) => (r.ok || r.error === undefined ? [] : [r.error]));
  return reasons.length > 0 ? reasons.join('; ') : error.message.trim();
}
