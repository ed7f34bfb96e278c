import type { Code } from '../problems/index.ts';
import type { GitHttpRequest, GitHttpResponse } from 'isomorphic-git';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { GitError, type GitAuth } from './remote.ts';
import { collectBody, DEFAULT_TIMEOUTS, type Timeouts, type Transport, type TransportSession } from './transport.ts';
import { describeLocation } from './url.ts';

export interface HttpTransportOptions {
  auth?: GitAuth;
  /** Extra trusted CAs (PEM), added to Node's bundled roots. */
  ca?: string;
  timeouts?: Timeouts;
}

const MAX_REDIRECTS = 5;

/**
 * Smart HTTP over undici, so timeouts, the CA and where credentials go are ours to decide:
 * the Authorization header is added here (isomorphic-git never sees the secret) and only for
 * the remote's own origin. A request that carries it never follows a redirect to another origin
 * (it fails, naming both); without credentials such a redirect is followed. An https → http
 * redirect is always refused, and a POST is redirected only by 307/308, which keep it a POST.
 */
export class HttpTransport implements Transport {
  readonly url: string;
  readonly description: string;
  readonly lsRefsProtocol = 2 as const;
  private readonly origin: string;
  private readonly authorization: string | undefined;
  private readonly agent: Agent;

  constructor(url: URL, options: HttpTransportOptions = {}) {
    const clean = new URL(url);
    // Credentials written into the URL count as the remote's own credentials.
    const inline = clean.username === '' ? undefined : { username: decodeURIComponent(clean.username), password: decodeURIComponent(clean.password) };
    clean.username = '';
    clean.password = '';
    this.url = clean.toString().replace(/\/$/, '');
    this.description = describeLocation({ kind: 'http', url: clean });
    this.origin = clean.origin;
    const auth = options.auth ?? inline;
    this.authorization = auth === undefined ? undefined : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    // A custom CA adds to the public roots rather than replacing them.
    const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca];
    this.agent = new Agent({ connect: { timeout: timeouts.connectMs, ...(ca === undefined ? {} : { ca }) }, headersTimeout: timeouts.idleMs, bodyTimeout: timeouts.idleMs, keepAliveTimeout: 30_000 });
  }

  open(signal?: AbortSignal): TransportSession {
    return { http: { request: (req) => this.request(req, signal) }, signal, close: async () => undefined };
  }

  dispose(): Promise<void> {
    return this.agent.close();
  }

  private async request(req: GitHttpRequest, signal: AbortSignal | undefined): Promise<GitHttpResponse> {
    const method = req.method ?? 'GET';
    const body = await collectBody(req.body as AsyncIterable<Uint8Array> | undefined);
    let target = new URL(req.url);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { ...req.headers };
      delete headers.authorization;
      delete headers.Authorization;
      if (this.authorization !== undefined && target.origin === this.origin) headers.authorization = this.authorization;
      const res = await request(target, { method: method as 'GET' | 'POST', headers, body, dispatcher: this.agent, signal }).catch((error: Error) => {
        throw new GitError(`${method} ${target.origin}${target.pathname}: ${error.message}`, { cause: error, code: 'git-unreachable' });
      });
      const location = res.headers.location;
      if (res.statusCode < 300 || res.statusCode >= 400 || location === undefined) return toGitResponse(target, method, res);
      await res.body.dump();
      const next = new URL(String(location), target);
      this.checkRedirect(method, res.statusCode, target, next, headers.authorization !== undefined, hop);
      target = next;
    }
  }

  private checkRedirect(method: string, status: number, from: URL, to: URL, credentials: boolean, hop: number): void {
    const refuse = (why: string, code: Code = 'redirect-refused') => {
      throw new GitError(`${this.description}: refused a redirect from ${from.host} to ${to.host}: ${why}`, { code, data: { from: from.host, to: to.host, status } });
    };
    if (hop + 1 >= MAX_REDIRECTS) refuse(`more than ${MAX_REDIRECTS} redirects`);
    if (from.protocol === 'https:' && to.protocol !== 'https:') refuse(`it leaves https for ${to.protocol}`);
    // The same code as the registry layer's refusal of the same thing.
    if (credentials && to.origin !== from.origin) refuse(`the request carries the credentials of ${from.host}, which go to no other origin (point git.url at where the repository lives)`, 'credential-redirect');
    // Only 307/308 keep a POST a POST; anything else would silently drop the request body.
    if (method !== 'GET' && status !== 307 && status !== 308) refuse(`a ${method} redirected with ${status} would lose its body`);
  }
}

function toGitResponse(url: URL, method: string, res: Awaited<ReturnType<typeof request>>): GitHttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { url: url.toString(), method, statusCode: res.statusCode, statusMessage: String(res.statusCode), headers, body: chunks(res.body, `${method} ${url.origin}${url.pathname}`) };
}

/** The body's chunks; a connection that fails mid-body is the remote's problem (a GitError), not a damaged clone. */
async function* chunks(body: AsyncIterable<Buffer>, where: string): AsyncIterableIterator<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw new GitError(`${where}: ${(error as Error).message}`, { cause: error, code: 'git-unreachable' });
  }
}
