import { z } from 'zod';
import { intParam, paginate, startStrictDouble, type Reply, type Route, type StrictDouble } from './strict-server.ts';
import { PullStore, type StoredPull } from './pr-store.ts';

/**
 * GitLab's REST API v4 for the paths tagpilot uses. Errors are `{message}` (a string or a list of
 * strings) or `{error}` for a missing parameter; 401 is `{"message":"401 Unauthorized"}`; answers
 * carry `RateLimit-*` headers and a spent limit is a 429 with `Retry-After`; lists page with
 * `page`/`per_page` (max 100), `x-next-page`, `x-total` and Link.
 */
export interface GitLabDouble extends StrictDouble {
  store: PullStore;
  rateLimitRemaining: number;
  /** Whether the project runs pipelines: without one, merge_when_pipeline_succeeds is a 405. */
  pipelines: boolean;
  users: Map<string, number>;
}

const strict = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();

export async function startGitLabDouble(options: { project: string; token: string; users?: Record<string, number> }): Promise<GitLabDouble> {
  const store = new PullStore();
  const control = { rateLimitRemaining: 2000, pipelines: true, users: new Map(Object.entries(options.users ?? {})) };
  const projectPath = `/api/v4/projects/${encodeURIComponent(options.project)}`;
  const at = (suffix: string) => new RegExp(`^${projectPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${suffix}$`);
  const error = (status: number, message: unknown): Reply => ({ status, body: { message } });
  let origin = '';
  const reviewerIds = new Map<number, number[]>();

  const json = (pull: StoredPull) => ({
    id: 1000 + pull.number,
    iid: pull.number,
    project_id: 1,
    web_url: `${origin}/${options.project}/-/merge_requests/${pull.number}`,
    state: pull.merged ? 'merged' : pull.state === 'open' ? 'opened' : 'closed',
    source_branch: pull.head,
    target_branch: pull.base,
    title: pull.title,
    description: pull.body,
    labels: pull.labels,
    reviewers: (reviewerIds.get(pull.number) ?? []).map((id) => ({ id, username: [...control.users].find(([, v]) => v === id)?.[0] })),
    merge_when_pipeline_succeeds: pull.autoMerge !== undefined,
  });
  const find = (iid: string) => store.get(Number(iid));
  const labelList = (text: string | undefined) =>
    text === undefined || text === ''
      ? []
      : [
          ...new Set(
            text
              .split(',')
              .map((l) => l.trim())
              .filter((l) => l !== ''),
          ),
        ];

  const routes: Route[] = [
    {
      method: 'GET',
      path: at('/merge_requests'),
      query: ['state', 'source_branch', 'target_branch', 'order_by', 'sort', 'per_page', 'page', 'labels'],
      handle: ({ query }) => {
        const wanted = query.get('state') ?? 'all';
        const stateOf = (p: StoredPull) => (p.merged ? 'merged' : p.state === 'open' ? 'opened' : 'closed');
        let list = store.pulls.filter((p) => (wanted === 'all' || stateOf(p) === wanted) && (query.get('source_branch') === null || p.head === query.get('source_branch')) && (query.get('target_branch') === null || p.base === query.get('target_branch')));
        list = query.get('order_by') === 'updated_at' ? store.byRecent(list) : [...list].sort((a, b) => b.number - a.number);
        if (query.get('sort') === 'asc') list.reverse();
        const page = intParam(query, 'page', 1, 10_000);
        const perPage = intParam(query, 'per_page', 20, 100);
        const { slice, headers } = paginate(list, page, perPage, (p) => `${origin}${projectPath}/merge_requests?${new URLSearchParams({ ...Object.fromEntries(query), page: String(p) })}`);
        const pages = Math.max(1, Math.ceil(list.length / perPage));
        return { status: 200, body: slice.map(json), headers: { ...headers, 'x-page': String(page), 'x-per-page': String(perPage), 'x-next-page': page < pages ? String(page + 1) : '', 'x-total': String(list.length), 'x-total-pages': String(pages) } };
      },
    },
    {
      method: 'POST',
      path: at('/merge_requests'),
      body: strict({
        source_branch: z.string().min(1),
        target_branch: z.string().min(1),
        title: z.string().min(1),
        description: z.string().optional(),
        labels: z.string().optional(),
        reviewer_ids: z.array(z.number().int()).optional(),
        assignee_ids: z.array(z.number().int()).optional(),
        remove_source_branch: z.boolean().optional(),
        squash: z.boolean().optional(),
      }),
      handle: ({ body }) => {
        const b = body as { source_branch: string; target_branch: string; title: string; description?: string; labels?: string; reviewer_ids?: number[] };
        if (!store.branchExists(b.source_branch)) return error(422, ['Source branch does not exist']);
        const existing = store.open(b.source_branch, b.target_branch)[0];
        if (existing !== undefined) return error(409, [`Another open merge request already exists for this source branch: !${existing.number}`]);
        const pull = store.create({ head: b.source_branch, base: b.target_branch, title: b.title, body: b.description ?? '', labels: labelList(b.labels) });
        reviewerIds.set(pull.number, b.reviewer_ids ?? []);
        pull.reviewers = (b.reviewer_ids ?? []).map((id) => [...control.users].find(([, v]) => v === id)?.[0] ?? String(id));
        return { status: 201, body: json(pull) };
      },
    },
    {
      method: 'PUT',
      path: at('/merge_requests/(?<iid>\\d+)'),
      body: strict({ title: z.string().optional(), description: z.string().optional(), labels: z.string().optional(), state_event: z.enum(['close', 'reopen']).optional(), reviewer_ids: z.array(z.number().int()).optional(), target_branch: z.string().optional() }),
      handle: ({ params, body }) => {
        const pull = find(params.iid!);
        if (pull === undefined) return error(404, '404 Not found');
        const b = body as { title?: string; description?: string; labels?: string; state_event?: 'close' | 'reopen' };
        if (b.title !== undefined) pull.title = b.title;
        if (b.description !== undefined) pull.body = b.description;
        if (b.labels !== undefined) pull.labels = labelList(b.labels);
        if (b.state_event === 'close') pull.state = 'closed';
        if (b.state_event === 'reopen') pull.state = 'open';
        store.touch(pull);
        return { status: 200, body: json(pull) };
      },
    },
    {
      method: 'PUT',
      path: at('/merge_requests/(?<iid>\\d+)/merge'),
      body: strict({ merge_when_pipeline_succeeds: z.boolean().optional(), auto_merge: z.boolean().optional(), squash: z.boolean().optional(), sha: z.string().optional(), should_remove_source_branch: z.boolean().optional(), merge_commit_message: z.string().optional(), squash_commit_message: z.string().optional() }),
      handle: ({ params }) => {
        const pull = find(params.iid!);
        if (pull === undefined) return error(404, '404 Not found');
        if (pull.state !== 'open' || !control.pipelines) return error(405, '405 Method Not Allowed');
        pull.autoMerge = 'merge_when_pipeline_succeeds';
        return { status: 200, body: json(pull) };
      },
    },
    {
      method: 'POST',
      path: at('/merge_requests/(?<iid>\\d+)/notes'),
      body: strict({ body: z.string().min(1), internal: z.boolean().optional() }),
      handle: ({ params, body }) => {
        const pull = find(params.iid!);
        if (pull === undefined) return error(404, '404 Not found');
        pull.comments.push((body as { body: string }).body);
        return { status: 201, body: { id: pull.comments.length, body: (body as { body: string }).body, noteable_type: 'MergeRequest' } };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/users$/,
      query: ['username'],
      handle: ({ query }) => {
        const name = query.get('username');
        const id = name === null ? undefined : control.users.get(name);
        return { status: 200, body: id === undefined ? [] : [{ id, username: name, name, state: 'active' }] };
      },
    },
  ];

  const double = await startStrictDouble(routes, {
    authorised: (headers) => headers['private-token'] === options.token || headers.authorization === `Bearer ${options.token}`,
    error: (status, message) => ({ message: status === 401 ? '401 Unauthorized' : status === 404 ? '404 Not Found' : message }),
    rateLimit: () => {
      const remaining = Math.max(0, control.rateLimitRemaining);
      const reset = Math.floor(Date.now() / 1000) + 60;
      const headers = { 'ratelimit-limit': '2000', 'ratelimit-observed': String(2000 - remaining), 'ratelimit-remaining': String(remaining), 'ratelimit-reset': String(reset), 'ratelimit-resettime': new Date(reset * 1000).toUTCString() };
      if (remaining === 0) return { headers, limited: { status: 429, body: { message: 'Retry later' }, headers: { 'retry-after': '60' } } };
      control.rateLimitRemaining--;
      return { headers };
    },
  });
  origin = double.url;
  return Object.assign(control, double, { store });
}
