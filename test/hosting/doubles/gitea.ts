import { z } from 'zod';
import { intParam, paginate, startStrictDouble, type Reply, type Route, type StrictDouble } from './strict-server.ts';
import { PullStore, type StoredPull } from './pr-store.ts';

/**
 * Gitea's (and Forgejo's) REST API v1, from its swagger description, for the paths tagpilot uses.
 * Errors are `{message, url}`; lists page with `page`/`limit` (at most 50) with `X-Total-Count`
 * and Link; Gitea sends no rate-limit headers. Labels are set by id; PATCH answers 201.
 */
export interface GiteaDouble extends StrictDouble {
  store: PullStore;
  labels: Map<string, number>;
  /** Whether the repository allows scheduling a merge when checks succeed. */
  autoMergeAllowed: boolean;
}

const strict = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();
const MAX_LIMIT = 50;

export async function startGiteaDouble(options: { owner: string; repo: string; token: string; labels?: Record<string, number> }): Promise<GiteaDouble> {
  const store = new PullStore();
  const control = { labels: new Map(Object.entries(options.labels ?? {})), autoMergeAllowed: true };
  const repoPath = `/api/v1/repos/${options.owner}/${options.repo}`;
  const at = (suffix: string) => new RegExp(`^${repoPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${suffix}$`);
  let origin = '';
  const error = (status: number, message: string): Reply => ({ status, body: { message, url: `${origin}/api/swagger` } });
  const labelName = (id: number) => [...control.labels].find(([, v]) => v === id)?.[0];

  const json = (pull: StoredPull) => ({
    id: 500 + pull.number,
    number: pull.number,
    html_url: `${origin}/${options.owner}/${options.repo}/pulls/${pull.number}`,
    state: pull.state,
    merged: pull.merged,
    title: pull.title,
    body: pull.body,
    head: { ref: pull.head, label: pull.head, sha: '0'.repeat(40) },
    base: { ref: pull.base, label: pull.base, sha: '0'.repeat(40) },
    labels: pull.labels.map((name) => ({ id: control.labels.get(name), name, color: '00aabb' })),
    requested_reviewers: pull.reviewers.map((login) => ({ login })),
  });
  const find = (n: string) => store.get(Number(n));
  const page = (query: URLSearchParams, list: readonly unknown[], path: string) => {
    const p = intParam(query, 'page', 1, 10_000);
    const limit = intParam(query, 'limit', MAX_LIMIT, MAX_LIMIT);
    const { slice, headers } = paginate(list, p, limit, (n) => `${origin}${path}?${new URLSearchParams({ ...Object.fromEntries(query), page: String(n) })}`);
    return { status: 200, body: slice, headers: { ...headers, 'x-total-count': String(list.length) } };
  };

  const routes: Route[] = [
    {
      method: 'GET',
      path: at('/pulls'),
      query: ['state', 'sort', 'milestone', 'labels', 'poster', 'page', 'limit'],
      handle: ({ query }) => {
        const wanted = query.get('state') ?? 'open';
        const list = store.pulls.filter((p) => wanted === 'all' || p.state === wanted);
        const sorted = query.get('sort') === 'recentupdate' ? store.byRecent(list) : [...list].sort((a, b) => b.number - a.number);
        return page(query, sorted.map(json), `${repoPath}/pulls`);
      },
    },
    {
      method: 'POST',
      path: at('/pulls'),
      body: strict({
        head: z.string().min(1),
        base: z.string().min(1),
        title: z.string().min(1),
        body: z.string().optional(),
        labels: z.array(z.number().int()).optional(),
        assignee: z.string().optional(),
        assignees: z.array(z.string()).optional(),
        milestone: z.number().int().optional(),
        due_date: z.string().optional(),
        reviewers: z.array(z.string()).optional(),
        team_reviewers: z.array(z.string()).optional(),
      }),
      handle: ({ body }) => {
        const b = body as { head: string; base: string; title: string; body?: string; labels?: number[] };
        if (!store.branchExists(b.head)) return error(404, `GetBranch: branch does not exist [name: ${b.head}]`);
        const existing = store.open(b.head, b.base)[0];
        if (existing !== undefined) return error(409, `pull request already exists for these targets [id: ${500 + existing.number}, issue_id: ${existing.number}, head_repo_id: 1, base_repo_id: 1, head_branch: ${b.head}, base_branch: ${b.base}]`);
        const unknown = (b.labels ?? []).filter((id) => labelName(id) === undefined);
        if (unknown.length > 0) return error(422, `label ${unknown[0]} does not exist`);
        return { status: 201, body: json(store.create({ head: b.head, base: b.base, title: b.title, body: b.body ?? '', labels: (b.labels ?? []).map((id) => labelName(id)!) })) };
      },
    },
    {
      method: 'PATCH',
      path: at('/pulls/(?<n>\\d+)'),
      body: strict({
        title: z.string().optional(),
        body: z.string().optional(),
        labels: z.array(z.number().int()).optional(),
        state: z.enum(['open', 'closed']).optional(),
        base: z.string().optional(),
        assignee: z.string().optional(),
        assignees: z.array(z.string()).optional(),
        milestone: z.number().int().optional(),
        due_date: z.string().optional(),
        unset_due_date: z.boolean().optional(),
        allow_maintainer_edit: z.boolean().optional(),
      }),
      handle: ({ params, body }) => {
        const pull = find(params.n!);
        if (pull === undefined) return error(404, "The target couldn't be found.");
        const b = body as { title?: string; body?: string; labels?: number[]; state?: 'open' | 'closed' };
        if (b.title !== undefined) pull.title = b.title;
        if (b.body !== undefined) pull.body = b.body;
        if (b.labels !== undefined) pull.labels = b.labels.map((id) => labelName(id) ?? String(id));
        if (b.state !== undefined) pull.state = b.state;
        store.touch(pull);
        return { status: 201, body: json(pull) };
      },
    },
    {
      method: 'GET',
      path: at('/labels'),
      query: ['page', 'limit'],
      handle: ({ query }) =>
        page(
          query,
          [...control.labels].map(([name, id]) => ({ id, name, color: '00aabb', description: '' })),
          `${repoPath}/labels`,
        ),
    },
    {
      method: 'POST',
      path: at('/pulls/(?<n>\\d+)/requested_reviewers'),
      body: strict({ reviewers: z.array(z.string()).optional(), team_reviewers: z.array(z.string()).optional() }),
      handle: ({ params, body }) => {
        const pull = find(params.n!);
        if (pull === undefined) return error(404, "The target couldn't be found.");
        const names = (body as { reviewers?: string[] }).reviewers ?? [];
        pull.reviewers.push(...names);
        return { status: 201, body: names.map((login, i) => ({ id: i + 1, state: 'REQUEST_REVIEW', user: { login } })) };
      },
    },
    {
      method: 'POST',
      path: at('/pulls/(?<n>\\d+)/merge'),
      body: strict({
        Do: z.enum(['merge', 'rebase', 'rebase-merge', 'squash', 'fast-forward-only', 'manually-merged']),
        MergeCommitID: z.string().optional(),
        MergeMessageField: z.string().optional(),
        MergeTitleField: z.string().optional(),
        delete_branch_after_merge: z.boolean().optional(),
        force_merge: z.boolean().optional(),
        head_commit_id: z.string().optional(),
        merge_when_checks_succeed: z.boolean().optional(),
      }),
      handle: ({ params, body }) => {
        const pull = find(params.n!);
        if (pull === undefined) return error(404, "The target couldn't be found.");
        const b = body as { Do: string; merge_when_checks_succeed?: boolean };
        // The double has no checks: merging now is not what a scheduled merge asks for.
        if (b.merge_when_checks_succeed !== true) return error(405, 'Please try again later');
        if (!control.autoMergeAllowed || pull.state !== 'open') return error(405, 'Not all required status checks successful');
        pull.autoMerge = b.Do;
        return { status: 201 };
      },
    },
    {
      method: 'POST',
      path: at('/issues/(?<n>\\d+)/comments'),
      body: strict({ body: z.string().min(1) }),
      handle: ({ params, body }) => {
        const pull = find(params.n!);
        if (pull === undefined) return error(404, "The target couldn't be found.");
        pull.comments.push((body as { body: string }).body);
        return { status: 201, body: { id: pull.comments.length, body: (body as { body: string }).body } };
      },
    },
  ];

  const double = await startStrictDouble(routes, {
    authorised: (headers) => headers.authorization === `token ${options.token}`,
    error: (status, message) => ({ message: status === 401 ? 'token is required' : message, url: `${origin}/api/swagger` }),
    rateLimit: () => ({ headers: {} }),
  });
  origin = double.url;
  return Object.assign(control, double, { store });
}
