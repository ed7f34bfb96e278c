export type { AutoMergeResult, MergeMethod, PullRequest, PullRequestContent, ReviewHost } from './types.ts';
export { CLOSED_READ_BACK, LIST_PAGES } from './types.ts';
export { HostingError } from './errors.ts';
export { gitHubHost, type GitHubAuth, type GitHubSettings } from './github.ts';
export { GitLabHost, type GitLabSettings } from './gitlab.ts';
export { GiteaHost, type GiteaSettings } from './gitea.ts';
export { runReviewCycle, reviewBranch, agitOptions, type ReviewSettings, type ReviewReport, type BranchReport } from './review-flow.ts';
export { pullRequestContent, CLOSED_MARK, CLOSE_COMMENT, ReviewBranchTaken, type ReviewAction, type PullRequestOutcome } from './review-branch.ts';
export { branchName, groupNames, groupKey, sanitise, MAX_GROUP_LENGTH, type BranchPer, type ReviewGroup } from './branch-groups.ts';
