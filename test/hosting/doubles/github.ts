import { createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import { intParam, paginate, startStrictDouble, type Reply, type Route, type StrictDouble } from './strict-server.ts';
import { PullStore, type StoredPull } from './pr-store.ts';

/**
 * GitHub's REST API (v3, as in its OpenAPI description) for the paths tagpilot uses, plus the
 * GraphQL mutation for auto-merge and the App installation-token exchange. Errors are GitHub's
 * `{message, documentation_url, errors?}`; every answer has the `x-ratelimit-*` headers, and when
 * none are left a 403 "API rate limit exceeded"; lists page with `per_page` (max 100) and Link.
 */
export interface GitHubDouble extends StrictDouble {
  store: PullStore;
  /** Requests left in the rate-limit window; 0 makes every call a 403. */
  rateLimitRemaining: number;
  /** Installation tokens issued through the App flow. */
  issuedTokens: string[];
  autoMergeAllowed: boolean;
}

export interface GitHubDoubleOptions {
  owner: string;
  repo: string;
  token?: string;
  /** A GitHub App whose JWTs (RS256, signed with the private key of this public key) are accepted. */
  app?: { id: number; installationId: number; publicKey: string };
}

const DOCS = 'https://docs.github.com/rest';
const strict = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();

export async function startGitHubDouble(options: GitHubDoubleOptions): Promise<GitHubDouble> {
  const store = new PullStore();
  const tokens = new Set(options.token === undefined ? [] : [options.token]);
  const state = { rateLimitRemaining: 5000, issuedTokens: [] as string[], autoMergeAllowed: true };
  const repoPath = `/repos/${options.owner}/${options.repo}`;
  const at = (suffix: string) => new RegExp(`^${repoPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${suffix}$`);
  const error = (status: number, message: string, errors?: unknown[]): Reply => ({ status, body: { message, documentation_url: DOCS, ...(errors === undefined ? {} : { errors }) } });
  let origin = '';

  const json = (pull: StoredPull) => ({
    number: pull.number,
    node_id: `PR_node${pull.number}`,
    html_url: `${origin}/${options.owner}/${options.repo}/pull/${pull.number}`,
    state: pull.state,
    merged_at: pull.merged ? '2026-01-01T00:00:00Z' : null,
    title: pull.title,
    body: pull.body === '' ? null : pull.body,
    head: { ref: pull.head, label: `${options.owner}:${pull.head}`, repo: { full_name: `${options.owner}/${options.repo}` } },
    base: { ref: pull.base, label: `${options.owner}:${pull.base}` },
    labels: pull.labels.map((name, i) => ({ id: i + 1, name })),
    requested_reviewers: pull.reviewers.map((login) => ({ login })),
  });
  const find = (number: string) => store.get(Number(number));

  const routes: Route[] = [
    {
      method: 'GET',
      path: at('/pulls'),
      query: ['state', 'head', 'base', 'sort', 'direction', 'per_page', 'page'],
      handle: ({ query }) => {
        const wanted = query.get('state') ?? 'open';
        const head = query.get('head');
        // head is `user:ref` (or `org:ref`); without the owner, GitHub ignores it.
        const headRef = head?.startsWith(`${options.owner}:`) ? head.slice(options.owner.length + 1) : undefined;
        let list = store.pulls.filter((p) => (wanted === 'all' || p.state === wanted) && (headRef === undefined || p.head === headRef) && (query.get('base') === null || p.base === query.get('base')));
        list = query.get('sort') === 'updated' ? store.byRecent(list) : [...list].sort((a, b) => b.number - a.number);
        const page = intParam(query, 'page', 1, 10_000);
        const perPage = intParam(query, 'per_page', 30, 100);
        const { slice, headers } = paginate(list, page, perPage, (p) => `${origin}${repoPath}/pulls?${new URLSearchParams({ ...Object.fromEntries(query), page: String(p) })}`);
        return { status: 200, body: slice.map(json), headers };
      },
    },
    {
      method: 'POST',
      path: at('/pulls'),
      body: strict({ title: z.string().min(1), head: z.string().min(1), base: z.string().min(1), body: z.string().optional(), draft: z.boolean().optional(), maintainer_can_modify: z.boolean().optional() }),
      handle: ({ body }) => {
        const b = body as { title: string; head: string; base: string; body?: string };
        if (!store.branchExists(b.head)) return error(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
        if (store.open(b.head, b.base).length > 0) return error(422, 'Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${options.owner}:${b.head}.` }]);
        return { status: 201, body: json(store.create({ head: b.head, base: b.base, title: b.title, body: b.body ?? '' })) };
      },
    },
    {
      method: 'PATCH',
      path: at('/pulls/(?<n>\\d+)'),
      body: strict({ title: z.string().optional(), body: z.string().optional(), state: z.enum(['open', 'closed']).optional(), base: z.string().optional(), maintainer_can_modify: z.boolean().optional() }),
      handle: ({ params, body }) => {
        const pull = find(params.n!);
        if (pull === undefined) return error(404, 'Not Found');
        const b = body as { title?: string; body?: string; state?: 'open' | 'closed' };
        if (b.state === 'open' && pull.state === 'closed' && store.open(pull.head, pull.base).length > 0) return error(422, 'Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${options.owner}:${pull.head}.` }]);
        Object.assign(pull, { ...(b.title === undefined ? {} : { title: b.title }), ...(b.body === undefined ? {} : { body: b.body }), ...(b.state === undefined ? {} : { state: b.state }) });
        store.touch(pull);
        return { status: 200, body: json(pull) };
      },
    },
    {
      method: 'POST',
      path: at('/pulls/(?<n>\\d+)/requested_reviewers'),
      body: strict({ reviewers: z.array(z.string()).optional(), team_reviewers: z.array(z.string()).optional() }),
      handle: ({ params, body }) => {
        const pull = find(params.n!);
        if (pull === undefined) return error(404, 'Not Found');
        const b = body as { reviewers?: string[]; team_reviewers?: string[] };
        pull.reviewers.push(...(b.reviewers ?? []), ...(b.team_reviewers ?? []).map((t) => `team:${t}`));
        return { status: 201, body: json(pull) };
      },
    },
    {
      method: 'PUT',
      path: at('/issues/(?<n>\\d+)/labels'),
      body: strict({ labels: z.array(z.string().min(1)).max(100) }),
      handle: ({ params, body }) => {
        const pull = find(params.n!);
        if (pull === undefined) return error(404, 'Not Found');
        pull.labels = [...new Set((body as { labels: string[] }).labels)];
        return { status: 200, body: pull.labels.map((name, i) => ({ id: i + 1, name })) };
      },
    },
    {
      method: 'POST',
      path: at('/issues/(?<n>\\d+)/comments'),
      body: strict({ body: z.string().min(1) }),
      handle: ({ params, body }) => {
        const pull = find(params.n!);
        if (pull === undefined) return error(404, 'Not Found');
        pull.comments.push((body as { body: string }).body);
        return { status: 201, body: { id: pull.comments.length, body: (body as { body: string }).body } };
      },
    },
    {
      method: 'POST',
      path: /^\/graphql$/,
      body: strict({
        query: z.string().regex(/^mutation\(\$pullRequestId: ID!, \$mergeMethod: PullRequestMergeMethod!\) \{ enablePullRequestAutoMerge\(input: \{pullRequestId: \$pullRequestId, mergeMethod: \$mergeMethod\}\) \{ clientMutationId \} \}$/),
        variables: strict({ pullRequestId: z.string(), mergeMethod: z.enum(['MERGE', 'SQUASH', 'REBASE']) }),
      }),
      handle: ({ body }) => {
        const { pullRequestId: id, mergeMethod: method } = (body as { variables: { pullRequestId: string; mergeMethod: string } }).variables;
        const pull = store.get(Number(id.replace(/^PR_node/, '')));
        if (pull === undefined) return { status: 200, body: { data: null, errors: [{ type: 'NOT_FOUND', message: `Could not resolve to a node with the global id of '${id}'` }] } };
        if (!state.autoMergeAllowed) return { status: 200, body: { data: { enablePullRequestAutoMerge: null }, errors: [{ type: 'UNPROCESSABLE', message: 'Auto merge is not allowed for this repository' }] } };
        pull.autoMerge = method;
        return { status: 200, body: { data: { enablePullRequestAutoMerge: { clientMutationId: null } } } };
      },
    },
    {
      method: 'POST',
      path: /^\/app\/installations\/(?<id>\d+)\/access_tokens$/,
      body: strict({ repositories: z.array(z.string()).optional(), repository_ids: z.array(z.number()).optional(), permissions: z.record(z.string(), z.string()).optional() }).optional(),
      handle: ({ params }) => {
        if (Number(params.id) !== options.app?.installationId) return error(404, 'Not Found');
        const token = `ghs_installation${state.issuedTokens.length + 1}`;
        state.issuedTokens.push(token);
        tokens.add(token);
        return { status: 201, body: { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { pull_requests: 'write', contents: 'write' }, repository_selection: 'selected' } };
      },
    },
  ];

  const double = await startStrictDouble(routes, {
    authorised: (headers, path) => {
      const auth = headers.authorization ?? '';
      if (path.startsWith('/app/')) return options.app !== undefined && validJwt(auth.replace(/^bearer /i, ''), options.app);
      return [...tokens].some((t) => auth === `token ${t}` || auth === `Bearer ${t}`);
    },
    error: (_status, message) => ({ message, documentation_url: DOCS }),
    rateLimit: () => {
      const remaining = Math.max(0, state.rateLimitRemaining);
      const headers = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-used': String(5000 - remaining), 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600), 'x-ratelimit-resource': 'core' };
      if (remaining === 0) return { headers, limited: error(403, 'API rate limit exceeded for installation ID 1.') };
      state.rateLimitRemaining--;
      return { headers };
    },
  });
  origin = double.url;
  // The controls are read live by the routes: the returned object is `state` itself.
  return Object.assign(state, double, { store });
}

/** A GitHub App JWT: RS256, `iss` the App id, issued no later than now, at most 10 minutes long. */
function validJwt(jwt: string, app: { id: number; publicKey: string }): boolean {
  const [header, payload, signature] = jwt.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return false;
  let head: { alg?: string };
  let claims: { iss?: unknown; iat?: number; exp?: number };
  try {
    head = JSON.parse(Buffer.from(header, 'base64url').toString()) as typeof head;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as typeof claims;
  } catch {
    return false;
  }
  const now = Math.floor(Date.now() / 1000);
  if (head.alg !== 'RS256' || String(claims.iss) !== String(app.id)) return false;
  if (claims.iat === undefined || claims.exp === undefined || claims.iat > now + 60 || claims.exp < now || claims.exp - claims.iat > 600) return false;
  return verify('sha256', Buffer.from(`${header}.${payload}`), createPublicKey(app.publicKey), Buffer.from(signature, 'base64url'));
}
