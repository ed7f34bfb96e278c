import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { Octokit } from '@octokit/rest';
import { HostingError, hostWords, refusalCode } from './errors.ts';
import { CLOSED_READ_BACK, LIST_PAGES, type AutoMergeResult, type MergeMethod, type PullRequest, type PullRequestContent, type ReviewHost } from './types.ts';

const pull = z.object({
  number: z.number().int().positive(),
  node_id: z.string().max(200),
  html_url: z.string().max(2048),
  state: z.enum(['open', 'closed']),
  merged_at: z.string().nullable(),
  title: z.string().max(10_000),
  body: z.string().max(1_048_576).nullable(),
  head: z.object({ ref: z.string().max(1024), repo: z.object({ full_name: z.string() }).nullable() }),
  base: z.object({ ref: z.string().max(1024) }),
  labels: z.array(z.object({ name: z.string().max(1024) })).max(1000),
});
type Pull = z.infer<typeof pull>;

/** A token, or a GitHub App that gets an installation token (and renews it) itself. */
export type GitHubAuth = { token: string } | { appId: string | number; privateKey: string; installationId: string | number };

export interface GitHubSettings {
  /** The REST root: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  apiUrl: string;
  owner: string;
  repo: string;
  auth: GitHubAuth;
  ca?: string;
  timeoutMs?: number;
}

/**
 * GitHub pull requests through @octokit/rest (loaded only when a GitHub host is configured), with
 * @octokit/auth-app for App installation tokens. Auto-merge is GraphQL only on GitHub.
 */
export async function gitHubHost(settings: GitHubSettings): Promise<ReviewHost> {
  const [{ Octokit }, { createAppAuth }] = await Promise.all([import('@octokit/rest'), import('@octokit/auth-app')]);
  const timeout = settings.timeoutMs ?? 30_000;
  const dispatcher: Dispatcher = new Agent({ connect: { timeout, ...(settings.ca === undefined ? {} : { ca: settings.ca }) }, headersTimeout: timeout, bodyTimeout: timeout });
  const fetch = (url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher, signal: AbortSignal.timeout(timeout) });
  const request = { fetch };
  const octokit = 'token' in settings.auth ? new Octokit({ baseUrl: settings.apiUrl, auth: settings.auth.token, userAgent: 'tagpilot', request }) : new Octokit({ baseUrl: settings.apiUrl, authStrategy: createAppAuth, auth: settings.auth, userAgent: 'tagpilot', request });
  return new GitHubHost(octokit, settings);
}

class GitHubHost implements ReviewHost {
  readonly kind = 'github';
  private readonly octokit: Octokit;
  private readonly owner: string;
  private readonly repo: string;
  private readonly host: string;

  constructor(octokit: Octokit, settings: GitHubSettings) {
    this.octokit = octokit;
    this.owner = settings.owner;
    this.repo = settings.repo;
    this.host = new URL(settings.apiUrl).host;
  }

  private get where() {
    return { owner: this.owner, repo: this.repo };
  }

  async findOpen(head: string, base: string): Promise<PullRequest | undefined> {
    return (await this.list(head, base, 'open'))[0];
  }

  async closedUnmerged(head: string, base: string): Promise<PullRequest[]> {
    return (await this.list(head, base, 'closed')).filter((pr) => pr.state === 'closed');
  }

  private async list(head: string, base: string, state: 'open' | 'closed'): Promise<PullRequest[]> {
    const answer = await this.call(() => this.octokit.rest.pulls.list({ ...this.where, state, head: `${this.owner}:${head}`, base, sort: 'updated', direction: 'desc', per_page: CLOSED_READ_BACK }));
    return this.ours(answer.data, (ref) => ref === head, base);
  }

  async listUnder(prefix: string, base: string, state: 'open' | 'closed'): Promise<PullRequest[]> {
    const found: PullRequest[] = [];
    for (let page = 1; page <= LIST_PAGES; page++) {
      const answer = await this.call(() => this.octokit.rest.pulls.list({ ...this.where, state, base, sort: 'updated', direction: 'desc', per_page: 100, page }));
      found.push(...this.ours(answer.data, (ref) => ref.startsWith(prefix), base));
      if (answer.data.length < 100) break;
    }
    return found.filter((pr) => pr.state === state);
  }

  /** Only this repository's branches: a fork's branch of the same name is someone else's. */
  private ours(data: unknown, head: (ref: string) => boolean, base: string): PullRequest[] {
    const pulls = this.check(z.array(pull).max(100), data);
    return pulls.filter((p) => head(p.head.ref) && p.base.ref === base && p.head.repo?.full_name.toLowerCase() === `${this.owner}/${this.repo}`.toLowerCase()).map(toPullRequest);
  }

  async open(head: string, base: string, content: PullRequestContent): Promise<PullRequest> {
    const answer = await this.call(() => this.octokit.rest.pulls.create({ ...this.where, head, base, title: content.title, body: content.body }));
    const created = toPullRequest(this.check(pull, answer.data));
    await this.setLabels(created, content.labels);
    if (content.reviewers.length > 0) {
      const teams = content.reviewers.filter((r) => r.includes('/')).map((r) => r.slice(r.indexOf('/') + 1));
      const users = content.reviewers.filter((r) => !r.includes('/'));
      await this.call(() => this.octokit.rest.pulls.requestReviewers({ ...this.where, pull_number: created.number, reviewers: users, team_reviewers: teams }));
    }
    return { ...created, labels: [...content.labels] };
  }

  async update(pr: PullRequest, content: PullRequestContent): Promise<PullRequest> {
    const answer = await this.call(() => this.octokit.rest.pulls.update({ ...this.where, pull_number: pr.number, title: content.title, body: content.body }));
    const updated = toPullRequest(this.check(pull, answer.data));
    await this.setLabels(updated, content.labels);
    return { ...updated, labels: [...content.labels] };
  }

  private async setLabels(pr: PullRequest, labels: readonly string[]): Promise<void> {
    if (labels.length === 0 && pr.labels.length === 0) return;
    await this.call(() => this.octokit.rest.issues.setLabels({ ...this.where, issue_number: pr.number, labels: [...labels] }));
  }

  async enableAutoMerge(pr: PullRequest, method: MergeMethod): Promise<AutoMergeResult> {
    const mutation = 'mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) { enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}) { clientMutationId } }';
    try {
      await this.call(() => this.octokit.graphql(mutation, { pullRequestId: pr.nodeId, mergeMethod: method.toUpperCase() }));
      return { enabled: true };
    } catch (error) {
      // GraphQL refusals (auto-merge off for the repository, a clean status already) are not fatal.
      if (error instanceof HostingError && error.code === 'hosting-refused') return { enabled: false, reason: error.message };
      throw error;
    }
  }

  async close(pr: PullRequest, comment: string, body: string): Promise<void> {
    await this.call(() => this.octokit.rest.issues.createComment({ ...this.where, issue_number: pr.number, body: comment }));
    await this.call(() => this.octokit.rest.pulls.update({ ...this.where, pull_number: pr.number, state: 'closed', body }));
  }

  private check<T>(schema: z.ZodType<T>, data: unknown): T {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new HostingError('hosting-bad-answer', `${this.host}: the answer is not what the API describes (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`, { host: this.host });
  }

  /** Octokit's errors as coded HostingErrors: status, the host's words, the rate-limit reset. */
  private async call<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): HostingError {
    const e = error as { status?: number; response?: { headers?: Record<string, string | undefined>; data?: { message?: unknown } }; errors?: { message?: unknown }[]; name?: string; message?: string };
    if (e.name === 'GraphqlResponseError') return new HostingError('hosting-refused', `${this.host}: GraphQL: ${hostWords(e.errors?.map((x) => x.message))}`, { host: this.host });
    if (typeof e.status !== 'number' || (e.status === 500 && e.response === undefined)) return new HostingError('hosting-unreachable', `${this.host}: ${hostWords(e.message)}`, { host: this.host });
    const headers = e.response?.headers ?? {};
    const code = refusalCode(e.status, headers['x-ratelimit-remaining']);
    const reset = headers['x-ratelimit-reset'];
    const resetAt = reset !== undefined && /^\d+$/.test(reset) ? new Date(Number(reset) * 1000).toISOString() : undefined;
    const words = hostWords(e.response?.data?.message);
    const until = code === 'hosting-rate-limited' && resetAt !== undefined ? ` (rate limited until ${resetAt})` : '';
    return new HostingError(code, `${this.host}: answered ${e.status}${words === '' ? '' : `: ${words}`}${until}`, { host: this.host, status: e.status, ...(resetAt === undefined ? {} : { resetAt }) });
  }
}

function toPullRequest(p: Pull): PullRequest {
  return { number: p.number, nodeId: p.node_id, url: p.html_url, state: p.merged_at !== null ? 'merged' : p.state, head: p.head.ref, base: p.base.ref, title: p.title, body: p.body ?? '', labels: p.labels.map((l) => l.name) };
}
