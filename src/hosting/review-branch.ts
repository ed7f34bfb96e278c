import { TagpilotError } from '../problems/index.ts';
import { parseUpdateTrailers, rejectionsFrom, type CycleDeps, type Problem, type RejectedTags } from '../automation/index.ts';
import { HostingError } from './errors.ts';
import type { MergeMethod, PullRequest, PullRequestContent, ReviewHost } from './types.ts';

/** Written into the body of a pull request tagpilot closed itself: such a close rejects nothing. */
export const CLOSED_MARK = '<!-- tagpilot:closed -->';
export const CLOSE_COMMENT = 'tagpilot: nothing is pending for this branch any more; closing.';

export type ReviewAction = 'opened' | 'updated' | 'unchanged' | 'closed' | 'none';

/** What a cycle did to one pull request. */
export interface PullRequestOutcome {
  number: number;
  url: string;
  action: ReviewAction;
}

/** A human commit on the review branch: tagpilot stops rewriting it until it is tagpilot's again. */
export class ReviewBranchTaken extends TagpilotError {
  override name = 'ReviewBranchTaken';
}

/** What tagpilot writes into its pull requests besides the message. */
export interface PullRequestExtras {
  labels?: readonly string[];
  reviewers?: readonly string[];
  autoMerge?: MergeMethod;
}

/** A commit tagpilot made: its committer is tagpilot's and it carries Update trailers. */
export function isTagpilotCommit(commit: { committerEmail: string; message: string }, email: string): boolean {
  return commit.committerEmail === email && parseUpdateTrailers(commit.message).length > 0;
}

/**
 * The problem of a review branch whose head someone else committed, or undefined when the branch
 * is missing or tagpilot's own. Only that branch stops.
 */
export async function humanCommit(deps: Pick<CycleDeps, 'repo' | 'author'>, branch: string, head: string | undefined): Promise<Problem | undefined> {
  if (head === undefined) return undefined;
  const info = await deps.repo.readCommitInfo(head);
  if (isTagpilotCommit(info, deps.author.email)) return undefined;
  const problem = new ReviewBranchTaken('review-branch-human-commit', `${branch}: its head ${head.slice(0, 12)} was committed by ${info.committerEmail}, not tagpilot; tagpilot leaves the branch as it is (reset it to a tagpilot commit or delete it to resume)`, { data: { branch, commit: head } });
  return { subject: branch, message: problem.message, code: problem.code };
}

/** Whether the branch's head already holds this exact change on this target head (nothing to push). */
export async function holdsAlready(deps: Pick<CycleDeps, 'repo'>, head: string | undefined, base: string, message: string): Promise<boolean> {
  if (head === undefined) return false;
  const info = await deps.repo.readCommitInfo(head);
  return info.parents[0] === base && info.message === message;
}

/** Pull requests people closed unmerged (not closed by tagpilot) reject the tags they carried. */
export function addRejections(rejected: RejectedTags, closed: readonly PullRequest[]): RejectedTags {
  for (const pr of closed) {
    if (pr.body.includes(CLOSED_MARK)) continue;
    for (const r of rejectionsFrom(pr.body, pr.url)) rejected.add(r);
  }
  return rejected;
}

/** Title: the message's subject. Body: the rest (the change list, each with its policy, and the trailers). */
export function pullRequestContent(message: string, review: PullRequestExtras): PullRequestContent {
  const cut = message.indexOf('\n\n');
  const title = cut < 0 ? message.trim() : message.slice(0, cut).trim();
  const body = cut < 0 ? '' : message.slice(cut + 2).trimEnd();
  return { title, body: `${body}\n`, labels: review.labels ?? [], reviewers: review.reviewers ?? [] };
}

/**
 * Exactly one open pull request from `branch`: opened when there is none (a second replica's
 * open, refused by the host, is taken as it is), brought up to date when it differs, and
 * auto-merged after a push where asked. `listed`: what a listing this cycle found open for the
 * branch, so it is not asked for again.
 */
export async function ensurePullRequest(host: ReviewHost, review: PullRequestExtras, branch: string, target: string, content: PullRequestContent, pushed: boolean, listed?: { open: PullRequest | undefined }): Promise<PullRequestOutcome> {
  let pr = listed === undefined ? await host.findOpen(branch, target) : listed.open;
  let action: ReviewAction;
  if (pr === undefined) {
    try {
      pr = await host.open(branch, target, content);
      action = 'opened';
    } catch (error) {
      // Another replica opened it a moment ago: the host refuses a second one for the branch.
      if (!(error instanceof HostingError) || !['hosting-conflict', 'hosting-refused'].includes(error.code)) throw error;
      pr = await host.findOpen(branch, target);
      if (pr === undefined) throw error;
      action = 'unchanged';
    }
  } else action = 'unchanged';
  if (action !== 'opened' && differs(pr, content)) {
    pr = await host.update(pr, content);
    action = 'updated';
  }
  if (review.autoMerge !== undefined && (pushed || action === 'opened')) await host.enableAutoMerge(pr, review.autoMerge);
  return { number: pr.number, url: pr.url, action };
}

function differs(pr: PullRequest, content: PullRequestContent): boolean {
  const labels = (l: readonly string[]) => [...l].sort().join('\n');
  return pr.title !== content.title || pr.body.trimEnd() !== content.body.trimEnd() || labels(pr.labels) !== labels(content.labels);
}

/** Closes a pull request with the comment, marked as tagpilot's close (which rejects nothing). */
export async function closePullRequest(host: ReviewHost, pr: PullRequest): Promise<PullRequestOutcome> {
  await host.close(pr, CLOSE_COMMENT, `${pr.body.trimEnd()}\n\n${CLOSED_MARK}\n`);
  return { number: pr.number, url: pr.url, action: 'closed' };
}
