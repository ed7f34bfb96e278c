export type { AutoMergeResult, MergeMethod, PullRequest, PullRequestContent, ReviewHost } from './types.ts';
export { CLOSED_READ_BACK } from './types.ts';
export { HostingError } from './errors.ts';
export { gitHubHost, type GitHubAuth, type GitHubSettings } from './github.ts';
export { GitLabHost, type GitLabSettings } from './gitlab.ts';
export { GiteaHost, type GiteaSettings } from './gitea.ts';
export { runReviewCycle, reviewBranch, pullRequestContent, agitOptions, CLOSED_MARK, CLOSE_COMMENT, ReviewBranchTaken, type ReviewSettings, type ReviewReport, type ReviewAction } from './review-flow.ts';
