/** A pull request (GitHub), merge request (GitLab) or pull request (Gitea/Forgejo), as tagpilot needs it. */
export interface PullRequest {
  /** GitHub's number, GitLab's iid, Gitea's index: what the host's paths take. */
  number: number;
  /** The web page, for logs and the report. */
  url: string;
  state: 'open' | 'closed' | 'merged';
  head: string;
  base: string;
  title: string;
  body: string;
  labels: string[];
  /** GitHub's GraphQL node id (auto-merge is GraphQL only there). */
  nodeId?: string;
}

/** What tagpilot writes into a pull request. */
export interface PullRequestContent {
  title: string;
  body: string;
  labels: readonly string[];
  /** User names asked to review (requested when the pull request is opened). */
  reviewers: readonly string[];
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

/** Whether auto-merge could be switched on; a host or repository without it says why. */
export type AutoMergeResult = { enabled: true } | { enabled: false; reason: string };

/**
 * One hosting API, reduced to what a review flow does: one open pull request per head branch,
 * kept up to date, auto-merged where offered, closed with a comment, and the ones people closed
 * unmerged read back.
 */
export interface ReviewHost {
  /** `github`, `gitlab` or `gitea`. */
  readonly kind: string;
  /** The open pull request from `head` into `base`, if there is one. */
  findOpen(head: string, base: string): Promise<PullRequest | undefined>;
  /** Pull requests from `head` into `base` that were closed without a merge, newest first (a bounded number). */
  closedUnmerged(head: string, base: string): Promise<PullRequest[]>;
  /**
   * This repository's pull requests into `base` from branches whose name starts with `prefix`,
   * newest update first: the open ones, or those closed without a merge. Bounded: the newest
   * LIST_PAGES pages of the host's list into `base` are read.
   */
  listUnder(prefix: string, base: string, state: 'open' | 'closed'): Promise<PullRequest[]>;
  open(head: string, base: string, content: PullRequestContent): Promise<PullRequest>;
  /** Sets title, body and labels (reviewers are asked for once, at open). */
  update(pr: PullRequest, content: PullRequestContent): Promise<PullRequest>;
  enableAutoMerge(pr: PullRequest, method: MergeMethod): Promise<AutoMergeResult>;
  /** Leaves `comment`, then closes the pull request with `body` as its new description. */
  close(pr: PullRequest, comment: string, body: string): Promise<void>;
}

/** How many closed pull requests of a branch are read back for rejected tags. */
export const CLOSED_READ_BACK = 20;

/** Pages of 100 (Gitea: 50) read when listing a target's pull requests under a prefix. */
export const LIST_PAGES = 5;
