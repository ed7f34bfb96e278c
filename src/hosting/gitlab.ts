import { z } from 'zod';
import { HostingError } from './errors.ts';
import { JsonApi, type JsonApiSettings } from './json-api.ts';
import { CLOSED_READ_BACK, LIST_PAGES, type AutoMergeResult, type MergeMethod, type PullRequest, type PullRequestContent, type ReviewHost } from './types.ts';

const mergeRequest = z.object({
  iid: z.number().int().positive(),
  web_url: z.string().max(2048),
  state: z.enum(['opened', 'closed', 'merged', 'locked']),
  source_branch: z.string().max(1024),
  target_branch: z.string().max(1024),
  title: z.string().max(10_000),
  description: z.string().max(1_048_576).nullable(),
  labels: z.array(z.string().max(1024)).max(1000),
});
type MergeRequest = z.infer<typeof mergeRequest>;

const user = z.object({ id: z.number().int().positive(), username: z.string() });
const note = z.object({ id: z.number().int() });
const anything = z.unknown();

export interface GitLabSettings extends Omit<JsonApiSettings, 'headers' | 'baseUrl'> {
  /** The instance, e.g. `https://gitlab.com` (the API is under `/api/v4`). */
  url: string;
  /** The project's path, `group/subgroup/project`. */
  project: string;
  token: string;
  onWarning?: (message: string) => void;
}

/**
 * GitLab merge requests over the v4 REST API, on undici. A small typed client instead of
 * @gitbeaker/rest: measured here, importing gitbeaker costs 140 ms and 20 MB of RSS at start-up
 * for the seven paths this uses.
 */
export class GitLabHost implements ReviewHost {
  readonly kind = 'gitlab';
  private readonly api: JsonApi;
  private readonly projectPath: string;
  private readonly warn: (message: string) => void;

  constructor(settings: GitLabSettings) {
    const { url, project, token, onWarning, ...rest } = settings;
    this.api = new JsonApi({ ...rest, baseUrl: `${url.replace(/\/$/, '')}/api/v4`, headers: { 'private-token': token } });
    this.projectPath = `projects/${encodeURIComponent(project)}`;
    this.warn = onWarning ?? (() => undefined);
  }

  async findOpen(head: string, base: string): Promise<PullRequest | undefined> {
    const list = await this.list(head, base, 'opened');
    return list[0];
  }

  async closedUnmerged(head: string, base: string): Promise<PullRequest[]> {
    return this.list(head, base, 'closed');
  }

  private async list(head: string, base: string, state: 'opened' | 'closed'): Promise<PullRequest[]> {
    const { value } = await this.api.call({
      method: 'GET',
      path: `${this.projectPath}/merge_requests`,
      query: { state, source_branch: head, target_branch: base, order_by: 'updated_at', sort: 'desc', per_page: CLOSED_READ_BACK },
      schema: z.array(mergeRequest).max(100),
    });
    return value.filter((mr) => mr.source_branch === head && mr.target_branch === base).map(toPullRequest);
  }

  async listUnder(prefix: string, base: string, state: 'open' | 'closed'): Promise<PullRequest[]> {
    const all = await this.api.pages(
      {
        method: 'GET',
        path: `${this.projectPath}/merge_requests`,
        // GitLab's `closed` leaves the merged ones out (those are `merged`).
        query: { state: state === 'open' ? 'opened' : 'closed', target_branch: base, order_by: 'updated_at', sort: 'desc', per_page: 100 },
        schema: z.array(mergeRequest).max(100),
      },
      LIST_PAGES,
    );
    return all.filter((mr) => mr.source_branch.startsWith(prefix) && mr.target_branch === base).map(toPullRequest);
  }

  async open(head: string, base: string, content: PullRequestContent): Promise<PullRequest> {
    const reviewerIds = await this.userIds(content.reviewers);
    const { value } = await this.api.call({
      method: 'POST',
      path: `${this.projectPath}/merge_requests`,
      body: { source_branch: head, target_branch: base, title: content.title, description: content.body, labels: content.labels.join(','), ...(reviewerIds.length === 0 ? {} : { reviewer_ids: reviewerIds }) },
      schema: mergeRequest,
    });
    return toPullRequest(value);
  }

  async update(pr: PullRequest, content: PullRequestContent): Promise<PullRequest> {
    const { value } = await this.api.call({
      method: 'PUT',
      path: `${this.projectPath}/merge_requests/${pr.number}`,
      body: { title: content.title, description: content.body, labels: content.labels.join(',') },
      schema: mergeRequest,
    });
    return toPullRequest(value);
  }

  async enableAutoMerge(pr: PullRequest, method: MergeMethod): Promise<AutoMergeResult> {
    // merge_when_pipeline_succeeds, not the newer auto_merge: an instance that does not know a
    // parameter ignores it and would merge at once instead of waiting for the pipeline.
    try {
      await this.api.call({ method: 'PUT', path: `${this.projectPath}/merge_requests/${pr.number}/merge`, body: { merge_when_pipeline_succeeds: true, ...(method === 'squash' ? { squash: true } : {}) }, schema: anything });
      return { enabled: true };
    } catch (error) {
      // 405: no pipeline yet or not mergeable; 406: a conflict; 422: merge checks. Not fatal.
      if (error instanceof HostingError && (error.status === 405 || error.status === 406 || error.status === 422)) return { enabled: false, reason: error.message };
      throw error;
    }
  }

  async close(pr: PullRequest, comment: string, body: string): Promise<void> {
    await this.api.call({ method: 'POST', path: `${this.projectPath}/merge_requests/${pr.number}/notes`, body: { body: comment }, schema: note });
    await this.api.call({ method: 'PUT', path: `${this.projectPath}/merge_requests/${pr.number}`, body: { state_event: 'close', description: body }, schema: mergeRequest });
  }

  /** Reviewers are named; the API takes ids. An unknown name is a warning, not a failure. */
  private async userIds(names: readonly string[]): Promise<number[]> {
    const ids: number[] = [];
    for (const name of names) {
      const { value } = await this.api.call({ method: 'GET', path: 'users', query: { username: name }, schema: z.array(user).max(10) });
      const found = value.find((u) => u.username.toLowerCase() === name.toLowerCase());
      if (found === undefined) this.warn(`${this.api.host}: no GitLab user ${name}; not asked to review`);
      else ids.push(found.id);
    }
    return ids;
  }
}

function toPullRequest(mr: MergeRequest): PullRequest {
  const state = mr.state === 'merged' ? 'merged' : mr.state === 'opened' ? 'open' : 'closed';
  return { number: mr.iid, url: mr.web_url, state, head: mr.source_branch, base: mr.target_branch, title: mr.title, body: mr.description ?? '', labels: mr.labels };
}
