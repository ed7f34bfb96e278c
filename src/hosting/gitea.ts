import { z } from 'zod';
import { HostingError } from './errors.ts';
import { JsonApi, type JsonApiSettings } from './json-api.ts';
import { CLOSED_READ_BACK, type AutoMergeResult, type MergeMethod, type PullRequest, type PullRequestContent, type ReviewHost } from './types.ts';

const branchRef = z.object({ ref: z.string().max(1024) });
const pull = z.object({
  number: z.number().int().positive(),
  html_url: z.string().max(2048),
  state: z.enum(['open', 'closed']),
  merged: z.boolean(),
  head: branchRef,
  base: branchRef,
  title: z.string().max(10_000),
  body: z.string().max(1_048_576).nullable(),
  labels: z
    .array(z.object({ name: z.string().max(1024) }))
    .max(1000)
    .nullable(),
});
type Pull = z.infer<typeof pull>;
const label = z.object({ id: z.number().int(), name: z.string() });
const comment = z.object({ id: z.number().int() });
const anything = z.unknown();

/** Pages read when looking for a branch's pull requests (the list API has no head filter). */
const PAGE_SIZE = 50;
const MAX_PAGES = 10;

export interface GiteaSettings extends Omit<JsonApiSettings, 'headers' | 'baseUrl'> {
  /** The instance, e.g. `https://codeberg.org` (the API is under `/api/v1`). */
  url: string;
  owner: string;
  repo: string;
  token: string;
  onWarning?: (message: string) => void;
}

/** Gitea and Forgejo pull requests over the v1 REST API (the same paths on both), on undici. */
export class GiteaHost implements ReviewHost {
  readonly kind = 'gitea';
  private readonly api: JsonApi;
  private readonly repoPath: string;
  private readonly warn: (message: string) => void;

  constructor(settings: GiteaSettings) {
    const { url, owner, repo, token, onWarning, ...rest } = settings;
    this.api = new JsonApi({ ...rest, baseUrl: `${url.replace(/\/$/, '')}/api/v1`, headers: { authorization: `token ${token}` } });
    this.repoPath = `repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
    this.warn = onWarning ?? (() => undefined);
  }

  async findOpen(head: string, base: string): Promise<PullRequest | undefined> {
    return (await this.list(head, base, 'open'))[0];
  }

  async closedUnmerged(head: string, base: string): Promise<PullRequest[]> {
    return (await this.list(head, base, 'closed')).filter((pr) => pr.state === 'closed').slice(0, CLOSED_READ_BACK);
  }

  private async list(head: string, base: string, state: 'open' | 'closed'): Promise<PullRequest[]> {
    return this.listWhere((ref) => ref === head, base, state);
  }

  async listUnder(prefix: string, base: string, state: 'open' | 'closed'): Promise<PullRequest[]> {
    return (await this.listWhere((ref) => ref.startsWith(prefix), base, state)).filter((pr) => pr.state === state);
  }

  private async listWhere(head: (ref: string) => boolean, base: string, state: 'open' | 'closed'): Promise<PullRequest[]> {
    const all = await this.api.pages({ method: 'GET', path: `${this.repoPath}/pulls`, query: { state, sort: 'recentupdate', limit: PAGE_SIZE }, schema: z.array(pull).max(PAGE_SIZE) }, MAX_PAGES);
    return all.filter((p) => head(p.head.ref) && p.base.ref === base).map(toPullRequest);
  }

  async open(head: string, base: string, content: PullRequestContent): Promise<PullRequest> {
    const labels = await this.labelIds(content.labels);
    const { value } = await this.api.call({ method: 'POST', path: `${this.repoPath}/pulls`, body: { head, base, title: content.title, body: content.body, labels }, schema: pull });
    if (content.reviewers.length > 0) {
      await this.api.call({ method: 'POST', path: `${this.repoPath}/pulls/${value.number}/requested_reviewers`, body: { reviewers: content.reviewers }, schema: anything }).catch((error: unknown) => {
        // A reviewer who may not review (not a collaborator) must not stop the pull request.
        if (!(error instanceof HostingError) || error.status !== 422) throw error;
        this.warn(error.message);
      });
    }
    return toPullRequest(value);
  }

  async update(pr: PullRequest, content: PullRequestContent): Promise<PullRequest> {
    const labels = await this.labelIds(content.labels);
    const { value } = await this.api.call({ method: 'PATCH', path: `${this.repoPath}/pulls/${pr.number}`, body: { title: content.title, body: content.body, labels }, schema: pull });
    return toPullRequest(value);
  }

  async enableAutoMerge(pr: PullRequest, method: MergeMethod): Promise<AutoMergeResult> {
    try {
      await this.api.call({ method: 'POST', path: `${this.repoPath}/pulls/${pr.number}/merge`, body: { Do: method === 'rebase' ? 'rebase' : method, merge_when_checks_succeed: true }, schema: anything });
      return { enabled: true };
    } catch (error) {
      // 405: not mergeable (yet); 409: a conflict. Not fatal: the pull request stays for review.
      if (error instanceof HostingError && (error.status === 405 || error.status === 409)) return { enabled: false, reason: error.message };
      throw error;
    }
  }

  async close(pr: PullRequest, text: string, body: string): Promise<void> {
    await this.api.call({ method: 'POST', path: `${this.repoPath}/issues/${pr.number}/comments`, body: { body: text }, schema: comment });
    await this.api.call({ method: 'PATCH', path: `${this.repoPath}/pulls/${pr.number}`, body: { state: 'closed', body }, schema: pull });
  }

  /** Gitea takes label ids; names the repository does not have are a warning. */
  private async labelIds(names: readonly string[]): Promise<number[]> {
    if (names.length === 0) return [];
    const known = await this.api.pages({ method: 'GET', path: `${this.repoPath}/labels`, query: { limit: PAGE_SIZE }, schema: z.array(label).max(PAGE_SIZE) }, MAX_PAGES);
    const ids: number[] = [];
    for (const name of names) {
      const found = known.find((l) => l.name === name);
      if (found === undefined) this.warn(`${this.api.host}: the repository has no label ${name}; not applied`);
      else ids.push(found.id);
    }
    return ids;
  }
}

function toPullRequest(p: Pull): PullRequest {
  return { number: p.number, url: p.html_url, state: p.merged ? 'merged' : p.state, head: p.head.ref, base: p.base.ref, title: p.title, body: p.body ?? '', labels: (p.labels ?? []).map((l) => l.name) };
}
