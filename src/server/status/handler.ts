/**
 * The status page as one node:http request handler, mountable on a path prefix: the page, its
 * <main> fragment, a server-sent event stream that says when to fetch it again, and the JSON API.
 * Read-only (GET and HEAD only), an optional bearer token and/or a trusted proxy's identity header
 * (auth.ts), no request ever leaves the page (CSP).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusDocument } from './api.ts';
import { authCheck, type ProxyAuth } from './auth.ts';
import type { Html } from './html.ts';
import { renderMain, renderPage } from './page.ts';
import type { StatusSource } from './snapshot.ts';
import { filterFrom, statusView, type StatusView } from './view.ts';

export interface StatusHandlerOptions {
  source: StatusSource;
  /** The path it is mounted on (default `/`): `/status` serves `/status/`, `/status/api/v1/status`, … */
  prefix?: string;
  /** When set, every request must carry `Authorization: Bearer <token>` (or come from the proxy below). */
  token?: string;
  /** When set, a request from one of these proxies is its identity header's; from elsewhere, the header is refused. */
  proxyAuth?: ProxyAuth;
  /** Event streams open at once (default 64); one more gets 503. */
  maxStreams?: number;
  /** A comment on idle streams this often, so proxies keep them open (default 25 s). */
  keepAliveMs?: number;
  /** Changes within this window are told once (default 200 ms): a burst of cycles is one refresh. */
  coalesceMs?: number;
}

export interface StatusHandler {
  (request: IncomingMessage, response: ServerResponse): void;
  /** The prefix with its trailing slash: every path this handler answers starts with it. */
  readonly base: string;
  /** Ends the open event streams (a server's close() waits for them otherwise). */
  close(): void;
}

const MAX_URL = 2048;
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export function statusHandler(options: StatusHandlerOptions): StatusHandler {
  const base = `${(options.prefix ?? '/').replace(/\/+$/, '')}/`;
  const streams = new EventStreams(options);
  const authorized = authCheck(options);
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = request.url ?? '/';
    if (url.length > MAX_URL) return plain(response, 414, 'URI too long');
    const { pathname: path, searchParams } = new URL(url, 'http://status.invalid');
    if (path === base.slice(0, -1) && base !== '/') return redirect(response, base);
    if (!path.startsWith(base)) return plain(response, 404, 'not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return plain(response, 405, 'read-only: GET and HEAD only');
    }
    const auth = authorized(request);
    if (!auth.ok) {
      if (auth.status === 401 && options.token !== undefined) response.setHeader('www-authenticate', 'Bearer realm="tagpilot"');
      return plain(response, auth.status, auth.message);
    }
    route(path.slice(base.length), searchParams, request, response, auth.who);
  };
  const renders = new Renders(options.source);
  const rendered = (params: URLSearchParams) => {
    const filter = filterFrom(params);
    return renders.get(`main ${filter.show ?? ''} ${filter.q ?? ''}`, () => {
      const view = statusView(options.source.snapshot(), filter);
      return { view, main: renderMain(view) };
    });
  };
  const route = (rest: string, params: URLSearchParams, request: IncomingMessage, response: ServerResponse, who: string | undefined): void => {
    const head = request.method === 'HEAD';
    switch (rest) {
      case '':
        return page(response, { base, ...(who === undefined ? {} : { who }) }, rendered(params), head);
      case 'fragment':
        return send(response, 200, 'text/html; charset=utf-8', rendered(params).main.text, head);
      case 'events':
        return streams.open(request, response);
      case 'api/v1/status':
        return send(
          response,
          200,
          'application/json; charset=utf-8',
          renders.get('api', () => `${JSON.stringify(statusDocument(options.source.snapshot()))}\n`),
          head,
        );
      default:
        return plain(response, 404, 'not found');
    }
  };
  return Object.assign(handle, { base, close: () => streams.close() });
}

function page(response: ServerResponse, options: { base: string; who?: string }, { view, main }: { view: StatusView; main: Html }, head: boolean): void {
  const nonce = randomBytes(16).toString('base64');
  response.setHeader('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`);
  send(response, 200, 'text/html; charset=utf-8', renderPage(view, { ...options, nonce }, main), head);
}

function send(response: ServerResponse, status: number, type: string, body: string, head = false): void {
  const bytes = Buffer.from(body);
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': bytes.length });
  response.end(head ? undefined : bytes);
}

function plain(response: ServerResponse, status: number, text: string): void {
  send(response, status, 'text/plain; charset=utf-8', `${text}\n`);
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(308, { ...SECURITY_HEADERS, location, 'content-length': 0 });
  response.end();
}

/**
 * Renders reused while the source's version and the second stay the same: a burst of page loads,
 * or every open page fetching its fragment after one change, costs one snapshot and one render
 * per query. Within the second, relative times ("3 s ago") stay as rendered. A source without a
 * version is rendered for every request.
 */
class Renders {
  private stamp = '';
  private readonly made = new Map<string, unknown>();
  private readonly source: StatusSource;

  constructor(source: StatusSource) {
    this.source = source;
  }

  get<T>(key: string, make: () => T): T {
    const version = this.source.version?.();
    if (version === undefined) return make();
    const stamp = `${version} ${Math.floor(Date.now() / 1000)}`;
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.made.clear();
    }
    if (this.made.has(key)) return this.made.get(key) as T;
    // Bounded: searches typed by many readers within one second do not pile up.
    if (this.made.size >= MAX_RENDERS) this.made.clear();
    const value = make();
    this.made.set(key, value);
    return value;
  }
}

const MAX_RENDERS = 32;

/** The open server-sent event streams: each hears `change` once per burst of changes. */
class EventStreams {
  private readonly open_ = new Set<ServerResponse>();
  private readonly max: number;
  private readonly keepAliveMs: number;
  private readonly coalesceMs: number;
  private readonly source: StatusSource;
  private unsubscribe: (() => void) | undefined;
  private pending: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(options: StatusHandlerOptions) {
    this.source = options.source;
    this.max = options.maxStreams ?? 64;
    this.keepAliveMs = options.keepAliveMs ?? 25_000;
    this.coalesceMs = options.coalesceMs ?? 200;
  }

  open(request: IncomingMessage, response: ServerResponse): void {
    if (this.open_.size >= this.max) return plain(response, 503, 'too many event streams');
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    if (request.method === 'HEAD') return void response.end();
    response.write('retry: 3000\n\n');
    this.open_.add(response);
    request.on('close', () => this.drop(response));
    this.unsubscribe ??= this.source.subscribe(() => this.changed());
    this.keepAlive ??= setInterval(() => this.broadcast(': keep-alive\n\n'), this.keepAliveMs).unref();
  }

  close(): void {
    for (const response of this.open_) response.end();
    this.open_.clear();
    this.stop();
  }

  private changed(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.broadcast(`event: change\ndata: ${new Date().toISOString()}\n\n`);
    }, this.coalesceMs);
  }

  private broadcast(text: string): void {
    for (const response of this.open_) response.write(text);
  }

  private drop(response: ServerResponse): void {
    this.open_.delete(response);
    if (this.open_.size === 0) this.stop();
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
    clearTimeout(this.pending);
    this.pending = undefined;
  }
}
