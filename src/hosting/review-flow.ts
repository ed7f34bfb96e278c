import { setTimeout as sleep } from 'node:timers/promises';
import { plan, retryDelay, tagLookup, commitMessage, RejectedTags, type CycleDeps, type RejectedTag, type Change, type Notice, type Problem, type SlotState } from '../automation/index.ts';
import { PushRejected } from '../git/index.ts';
import type { BranchPer, ReviewGroup } from './branch-groups.ts';
import { addRejections, closePullRequest, ensurePullRequest, holdsAlready, humanCommit, pullRequestContent, type PullRequestOutcome } from './review-branch.ts';
import { runGroupReview } from './review-groups.ts';
import type { MergeMethod, PullRequestContent, ReviewHost } from './types.ts';

export interface ReviewSettings {
  /** The hosting API; undefined with `agit`, where the push itself opens the review. */
  host?: ReviewHost;
  /** AGit flow: push to `refs/for/<branch>` with this topic (and the title and description). */
  agit?: { topic: string };
  /** The review branch's name; `{branch}` is the target branch, `{group}` the group. Default `tagpilot/{branch}` (per group: `tagpilot/{branch}/{group}`). */
  branch?: string;
  /** One branch and pull request per target (default), per workload, or per group of workloads. */
  branchPer?: BranchPer;
  /** With branchPer group: the groups, in order (a change joins the first that matches). */
  groups?: readonly ReviewGroup[];
  /** Review branches kept at most per automation (default 20). */
  maxBranches?: number;
  labels?: readonly string[];
  reviewers?: readonly string[];
  autoMerge?: MergeMethod;
}

/** One review branch of a cycle: its group, its changes, its commit and its pull request. */
export interface BranchReport {
  /** The workload or group (`{group}`), undefined per target. */
  group?: string;
  branch: string;
  changes: Change[];
  /** The branch's commit, when one is pending. */
  commit?: string;
  pushed: boolean;
  pullRequest?: PullRequestOutcome;
}

export interface ReviewReport {
  /** The target branch's head the changes were computed on. */
  head: string;
  /** The review branch (per group: the prefix of their names). */
  branch: string;
  changes: Change[];
  problems: Problem[];
  /** Worth telling, not failures (see the cycle's Plan). */
  notices: Notice[];
  locked: string[];
  /** Every automated slot's state on the target branch (the status page's rows). */
  slots: SlotState[];
  /** The review branch's commit, when one is pending (per group: the first branch's). */
  commit?: string;
  /** Whether this cycle pushed (false when the branch already held the same change). */
  pushed: boolean;
  /** Per target: the pull request (per group, each branch has its own). */
  pullRequest?: PullRequestOutcome;
  /** Per workload or group: each review branch this cycle touched. */
  branches?: BranchReport[];
  /** Tags turned down by people (pull requests closed unmerged), kept out of the selection. */
  rejected: RejectedTag[];
  attempts: number;
}

/** The review branch for a target branch, from the template. */
export function reviewBranch(template: string, target: string): string {
  return template.replaceAll('{branch}', target);
}

/**
 * One review-flow cycle: the changes are computed on the target branch's head, as always; they go
 * to tagpilot's own branch (never the target), as a compare-and-swap on the commit tagpilot
 * pushed there last, which Git itself says: the branch's head, if tagpilot made it. One open pull
 * request per branch is opened or brought up to date, and closed when nothing is pending. Pull
 * requests a person closed unmerged reject their tags, so they are not proposed again. Per
 * workload or group, each branch goes this way on its own (review-groups.ts).
 */
export async function runReviewCycle(deps: CycleDeps, review: ReviewSettings): Promise<ReviewReport> {
  if (review.branchPer !== undefined && review.branchPer !== 'target' && review.host !== undefined) return runGroupReview(deps, { ...review, branchPer: review.branchPer, host: review.host });
  const target = deps.branch;
  const branch = reviewBranch(review.branch ?? 'tagpilot/{branch}', target);
  const format = deps.message ?? commitMessage;
  const maxAttempts = deps.maxAttempts ?? 5;
  const wait = deps.sleep ?? sleep;
  const known = new RejectedTags(deps.rejected?.list() ?? []);
  const rejected = review.host === undefined ? known : addRejections(known, await review.host.closedUnmerged(branch, target));
  const planDeps = { ...deps, rejected, fetchAlso: review.agit === undefined ? [branch] : [] };
  const now = deps.now ?? (() => new Date());
  const tags = tagLookup(deps);
  for (let attempt = 1; ; attempt++) {
    const { files, ...planned } = await plan(planDeps, tags);
    const base = { head: planned.head, branch, changes: planned.changes, problems: planned.problems, notices: planned.notices, locked: planned.locked, slots: planned.slots, rejected: rejected.list(), attempts: attempt, pushed: false };
    const branchHead = review.agit === undefined ? planned.heads[branch] : undefined;
    const taken = await humanCommit(deps, branch, branchHead);
    if (taken !== undefined) return { ...base, problems: [...base.problems, taken] };
    if (planned.changes.length === 0) return { ...base, pullRequest: await closeIfOpen(review.host, branch, target) };
    const message = format(planned.changes, planned.subject);
    const content = pullRequestContent(message, review);
    // Same target head and same changes: the branch already holds this exact change.
    if (await holdsAlready(deps, branchHead, planned.head, message)) {
      return { ...base, commit: branchHead, pullRequest: review.host === undefined ? undefined : await ensurePullRequest(review.host, review, branch, target, content, false) };
    }
    const commit = await deps.repo.commit(planned.head, files, message, deps.author, now());
    try {
      if (review.agit !== undefined) await deps.repo.push(commit, { ref: `refs/for/${target}`, pushOptions: agitOptions(review.agit.topic, content) }, deps.signal);
      else await deps.repo.push(commit, { ref: `refs/heads/${branch}`, expected: branchHead }, deps.signal);
    } catch (error) {
      if (!(error instanceof PushRejected) || !error.lostRace || attempt >= maxAttempts) throw error;
      deps.log.warn({ attempt, branch, reason: error.message }, 'review branch moved; recomputing');
      tags.expire(); // the other writer may have seen newer tags
      await wait(retryDelay(attempt));
      continue;
    }
    deps.log.info({ commit, branch, changes: planned.changes.length, attempt }, 'pushed review branch');
    const pullRequest = review.host === undefined ? undefined : await ensurePullRequest(review.host, review, branch, target, content, true);
    return { ...base, commit, pushed: true, pullRequest };
  }
}

async function closeIfOpen(host: ReviewHost | undefined, branch: string, target: string): Promise<PullRequestOutcome | undefined> {
  const pr = host === undefined ? undefined : await host.findOpen(branch, target);
  return host === undefined || pr === undefined ? undefined : closePullRequest(host, pr);
}

/**
 * AGit push options: the topic names the review (a second push with it updates the same one);
 * a multi-line description goes base64-encoded, as AGit servers (Gitea, Forgejo) read it, since
 * a push option is one line.
 */
export function agitOptions(topic: string, content: PullRequestContent): string[] {
  const line = (text: string) => (/[\r\n]/.test(text) ? `{base64}${Buffer.from(text).toString('base64')}` : text);
  return [`topic=${topic}`, `title=${line(content.title)}`, `description=${line(content.body)}`];
}
