import { setTimeout as sleep } from 'node:timers/promises';
import { TagpilotError } from '../problems/index.ts';
import { plan, retryDelay, tagLookup, commitMessage, RejectedTags, rejectionsFrom, parseUpdateTrailers, type CycleDeps, type RejectedTag, type Change, type Notice, type Problem, type SlotState } from '../automation/index.ts';
import { PushRejected } from '../git/index.ts';
import { HostingError } from './errors.ts';
import type { MergeMethod, PullRequest, PullRequestContent, ReviewHost } from './types.ts';

/** Written into the body of a pull request tagpilot closed itself: such a close rejects nothing. */
export const CLOSED_MARK = '<!-- tagpilot:closed -->';
export const CLOSE_COMMENT = 'tagpilot: nothing is pending for this branch any more; closing.';

export interface ReviewSettings {
  /** The hosting API; undefined with `agit`, where the push itself opens the review. */
  host?: ReviewHost;
  /** AGit flow: push to `refs/for/<branch>` with this topic (and the title and description). */
  agit?: { topic: string };
  /** The review branch's name; `{branch}` is the target branch. Default `tagpilot/{branch}`. */
  branch?: string;
  labels?: readonly string[];
  reviewers?: readonly string[];
  autoMerge?: MergeMethod;
}

export type ReviewAction = 'opened' | 'updated' | 'unchanged' | 'closed' | 'none';

export interface ReviewReport {
  /** The target branch's head the changes were computed on. */
  head: string;
  branch: string;
  changes: Change[];
  problems: Problem[];
  /** Worth telling, not failures (see the cycle's Plan). */
  notices: Notice[];
  locked: string[];
  /** Every automated slot's state on the target branch (the status page's rows). */
  slots: SlotState[];
  /** The review branch's commit, when one is pending. */
  commit?: string;
  /** Whether this cycle pushed (false when the branch already held the same change). */
  pushed: boolean;
  pullRequest?: { number: number; url: string; action: ReviewAction };
  /** Tags turned down by people (pull requests closed unmerged), kept out of the selection. */
  rejected: RejectedTag[];
  attempts: number;
}

/** A human commit on the review branch: tagpilot stops rewriting it until it is tagpilot's again. */
export class ReviewBranchTaken extends TagpilotError {
  override name = 'ReviewBranchTaken';
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
 * requests a person closed unmerged reject their tags, so they are not proposed again.
 */
export async function runReviewCycle(deps: CycleDeps, review: ReviewSettings): Promise<ReviewReport> {
  const target = deps.branch;
  const branch = reviewBranch(review.branch ?? 'tagpilot/{branch}', target);
  const format = deps.message ?? commitMessage;
  const maxAttempts = deps.maxAttempts ?? 5;
  const wait = deps.sleep ?? sleep;
  const rejected = await closedRejections(review.host, branch, target, deps.rejected);
  const planDeps = { ...deps, rejected, fetchAlso: review.agit === undefined ? [branch] : [] };
  const now = deps.now ?? (() => new Date());
  const tags = tagLookup(deps);
  for (let attempt = 1; ; attempt++) {
    const { files, ...planned } = await plan(planDeps, tags);
    const base = { head: planned.head, branch, changes: planned.changes, problems: planned.problems, notices: planned.notices, locked: planned.locked, slots: planned.slots, rejected: rejected.list(), attempts: attempt, pushed: false };
    const branchHead = review.agit === undefined ? planned.heads[branch] : undefined;
    const mine = branchHead === undefined ? undefined : await deps.repo.readCommitInfo(branchHead);
    if (branchHead !== undefined && mine !== undefined && !isTagpilotCommit(mine, deps.author.email)) {
      const problem = new ReviewBranchTaken('review-branch-human-commit', `${branch}: its head ${branchHead.slice(0, 12)} was committed by ${mine.committerEmail}, not tagpilot; tagpilot leaves the branch as it is (reset it to a tagpilot commit or delete it to resume)`, { data: { branch, commit: branchHead } });
      return { ...base, problems: [...base.problems, { subject: branch, message: problem.message, code: problem.code }] };
    }
    if (planned.changes.length === 0) return { ...base, pullRequest: await closeIfOpen(review.host, branch, target) };
    const message = format(planned.changes, planned.subject);
    const content = pullRequestContent(message, review);
    // Same target head and same changes: the branch already holds this exact change.
    if (branchHead !== undefined && mine?.parents[0] === planned.head && mine.message === message) {
      return { ...base, commit: branchHead, pullRequest: await ensurePullRequest(review, branch, target, content, false) };
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
    const pullRequest = review.agit === undefined ? await ensurePullRequest(review, branch, target, content, true) : undefined;
    return { ...base, commit, pushed: true, pullRequest };
  }
}

function isTagpilotCommit(commit: { committerEmail: string; message: string }, email: string): boolean {
  return commit.committerEmail === email && parseUpdateTrailers(commit.message).length > 0;
}

/** Pull requests people closed unmerged (not closed by tagpilot) reject the tags they carried. */
async function closedRejections(host: ReviewHost | undefined, branch: string, target: string, known: RejectedTags | undefined): Promise<RejectedTags> {
  const rejected = new RejectedTags(known?.list() ?? []);
  if (host === undefined) return rejected;
  for (const pr of await host.closedUnmerged(branch, target)) {
    if (pr.body.includes(CLOSED_MARK)) continue;
    for (const r of rejectionsFrom(pr.body, pr.url)) rejected.add(r);
  }
  return rejected;
}

/** Title: the message's subject. Body: the rest (the change list, each with its policy, and the trailers). */
export function pullRequestContent(message: string, review: ReviewSettings): PullRequestContent {
  const cut = message.indexOf('\n\n');
  const title = cut < 0 ? message.trim() : message.slice(0, cut).trim();
  const body = cut < 0 ? '' : message.slice(cut + 2).trimEnd();
  return { title, body: `${body}\n`, labels: review.labels ?? [], reviewers: review.reviewers ?? [] };
}

async function ensurePullRequest(review: ReviewSettings, branch: string, target: string, content: PullRequestContent, pushed: boolean): Promise<ReviewReport['pullRequest']> {
  const host = review.host;
  if (host === undefined) return undefined;
  let pr = await host.findOpen(branch, target);
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

async function closeIfOpen(host: ReviewHost | undefined, branch: string, target: string): Promise<ReviewReport['pullRequest']> {
  const pr = host === undefined ? undefined : await host.findOpen(branch, target);
  if (host === undefined || pr === undefined) return undefined;
  await host.close(pr, CLOSE_COMMENT, `${pr.body.trimEnd()}\n\n${CLOSED_MARK}\n`);
  return { number: pr.number, url: pr.url, action: 'closed' };
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
