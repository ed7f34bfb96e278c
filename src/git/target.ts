import { GitError } from './remote.ts';

/** Where a push goes: a full ref, the head it must replace there, and push options. */
export interface PushTarget {
  /** `refs/heads/<branch>`, or AGit's `refs/for/<branch>` (a review the server opens). */
  ref: string;
  /**
   * The head the push must replace (a compare-and-swap: a remote that moved refuses it);
   * undefined when the push creates the ref.
   */
  expected?: string;
  /** `git push -o` options (what AGit review servers read); the server must advertise them. */
  pushOptions?: readonly string[];
}

export function branchRef(branch: string): string {
  return `refs/heads/${branch}`;
}

/**
 * Which head to build on and where to push, given the heads just fetched: the read branch, or a
 * push branch (a review flow). A push branch that exists is built on, so cycles stack
 * fast-forward commits on it instead of rewriting it; one that does not is created from the
 * read branch's head. `where` names the remote in the error when the read branch is missing.
 */
export function pushTarget(heads: ReadonlyMap<string, string>, branch: string, pushBranch: string | undefined, where: string): { base: string; target: PushTarget } {
  const head = heads.get(branch);
  if (head === undefined) throw new GitError(`${where}: the remote has no branch ${branch}`, { code: 'branch-missing' });
  if (pushBranch === undefined || pushBranch === branch) return { base: head, target: { ref: branchRef(branch), expected: head } };
  const pushHead = heads.get(pushBranch);
  return { base: pushHead ?? head, target: { ref: branchRef(pushBranch), expected: pushHead } };
}
