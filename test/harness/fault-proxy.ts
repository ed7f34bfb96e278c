import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { drip } from './drip.ts';
import { listenLocal } from './ports.ts';

/** What the proxy does instead of (or on top of) forwarding one request. */
export interface Fault {
  /** Answer with this status (and `headers`, `body`) without asking the registry. */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Forward, but send the body a byte at a time, this far apart. */
  dripMs?: number;
  /** Forward, but cut the connection halfway through the body. */
  truncate?: boolean;
  /** Forward, but end the body cleanly halfway: a reply that looks complete and is not. */
  shorten?: boolean;
}

export interface ProxyOptions {
  /** `http://127.0.0.1:PORT` of the real registry. */
  upstream: string;
  /** Page tag lists: the page size when the client asks for none. */
  pageSize?: number;
  /** A larger `n=` is answered 400, as Quay does past 100. */
  maxPageSize?: number;
  /** How next-page links are written: relative, absolute, or by a function of the relative link. */
  link?: 'relative' | 'absolute' | ((relative: string) => string);
  /** Serve tags in this order instead of sorted (the client must not rely on order). */
  order?: (tags: string[]) => string[];
  /** Send an ETag on tag lists and answer If-None-Match with 304. */
  etag?: boolean;
  /** Told of every request as it arrives, before it is forwarded (a test acts on what the client does). */
  onRequest?: (request: SeenRequest) => void;
}

export interface SeenRequest {
  method: string;
  path: string;
  authorization?: string;
  ifNoneMatch?: string;
  /** When it arrived (performance.now()). */
  at: number;
  /** The connection closed before the answer was complete: the client cancelled (or a `truncate` fault cut it). */
  cancelled?: boolean;
}

/**
 * A small HTTP proxy in front of the real registry that pages tag lists (Distribution 2.8 does
 * not) and injects faults: statuses, Retry-After, slow and truncated bodies.
 */
export class FaultProxy {
  readonly requests: SeenRequest[] = [];
  private readonly server: Server;
  private readonly options: ProxyOptions;
  private readonly faults: { match: (r: SeenRequest) => boolean; queue: Fault[] }[] = [];

  private constructor(server: Server, options: ProxyOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: ProxyOptions): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, options);
    server.on('request', (req, res) => void proxy.handle(req, res).catch(() => res.destroy()));
    await listenLocal(server);
    return proxy;
  }

  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  /** The next requests matching `match` get these faults, one each, in order. */
  inject(match: RegExp | ((r: SeenRequest) => boolean), ...faults: Fault[]): void {
    const test = match instanceof RegExp ? (r: SeenRequest) => match.test(`${r.method} ${r.path}`) : match;
    this.faults.push({ match: test, queue: faults });
  }

  /** Requests whose `METHOD path` matches. */
  count(pattern: RegExp): number {
    return this.requests.filter((r) => pattern.test(`${r.method} ${r.path}`)).length;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization, ifNoneMatch: req.headers['if-none-match'], at: performance.now() };
    this.requests.push(seen);
    this.options.onRequest?.(seen);
    res.once('close', () => {
      if (!res.writableFinished) seen.cancelled = true;
    });
    const fault = this.nextFault(seen);
    if (fault?.delayMs !== undefined) await delay(fault.delayMs, res);
    if (res.destroyed) return; // the client gave up while we held the answer
    if (fault?.status !== undefined) {
      res.writeHead(fault.status, fault.headers ?? {});
      res.end(fault.body ?? '');
      return;
    }
    const url = new URL(seen.path, 'http://proxy');
    const upstream = await forward(this.options.upstream, req, url.pathname);
    if (req.method === 'GET' && /^\/v2\/.+\/tags\/list$/.test(url.pathname) && upstream.status === 200) {
      return this.page(url, upstream, res, seen, fault);
    }
    send(res, upstream.status, upstream.headers, upstream.body, fault);
  }

  private nextFault(seen: SeenRequest): Fault | undefined {
    for (const entry of this.faults) if (entry.queue.length > 0 && entry.match(seen)) return entry.queue.shift();
    return undefined;
  }

  private page(url: URL, upstream: Upstream, res: ServerResponse, seen: SeenRequest, fault: Fault | undefined): void {
    const { name, tags = [] } = JSON.parse(upstream.body.toString('utf8')) as { name: string; tags: string[] | null };
    const all = this.options.order ? this.options.order([...(tags ?? [])].sort()) : [...(tags ?? [])].sort();
    const asked = url.searchParams.get('n');
    const n = asked === null ? (this.options.pageSize ?? all.length) : Number(asked);
    if (this.options.maxPageSize !== undefined && n > this.options.maxPageSize) {
      send(res, 400, { 'content-type': 'application/json' }, Buffer.from('{"errors":[{"code":"PAGINATION_NUMBER_INVALID"}]}'), undefined);
      return;
    }
    const last = url.searchParams.get('last');
    const start = last === null ? 0 : all.indexOf(last) + 1;
    const page = all.slice(start, start + Math.max(1, n));
    const body = Buffer.from(JSON.stringify({ name, tags: page }));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (start + page.length < all.length) {
      const relative = `${url.pathname}?n=${n}&last=${encodeURIComponent(page.at(-1)!)}`;
      const link = this.options.link ?? 'relative';
      headers.link = `<${link === 'relative' ? relative : link === 'absolute' ? `${this.url}${relative}` : link(relative)}>; rel="next"`;
    }
    if (this.options.etag) {
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      headers.etag = etag;
      if (seen.ifNoneMatch === etag) {
        send(res, 304, { etag }, Buffer.alloc(0), undefined);
        return;
      }
    }
    send(res, 200, headers, body, fault);
  }
}

/** Waits `ms`, or less when the connection closes first: a cancelled request leaves no timer behind. */
function delay(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

interface Upstream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Asks the registry for the whole answer (tag lists unpaged), passing the client's credentials on. */
async function forward(upstream: string, req: IncomingMessage, pathname: string): Promise<Upstream> {
  const target = new URL(pathname.endsWith('/tags/list') ? pathname : (req.url ?? '/'), upstream);
  const headers = { ...req.headers, host: target.host };
  const answer = await new Promise<IncomingMessage>((resolve, reject) => {
    const out = httpRequest(target, { method: req.method, headers }, resolve);
    out.once('error', reject);
    req.pipe(out);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of answer) chunks.push(chunk as Buffer);
  return { status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) };
}

function send(res: ServerResponse, status: number, headers: Record<string, string | string[] | undefined>, body: Buffer, fault: Fault | undefined): void {
  const clean = Object.fromEntries(Object.entries(headers).filter(([k, v]) => v !== undefined && k !== 'transfer-encoding' && k !== 'connection' && k !== 'content-length'));
  if (fault?.truncate) {
    res.writeHead(status, { ...clean, 'content-length': String(body.length) });
    res.write(body.subarray(0, Math.floor(body.length / 2)));
    setTimeout(() => res.destroy(), 10);
    return;
  }
  if (fault?.shorten) {
    res.writeHead(status, clean);
    res.end(body.subarray(0, Math.floor(body.length / 2)));
    return;
  }
  if (fault?.dripMs !== undefined) {
    res.writeHead(status, { ...clean, 'content-length': String(body.length) });
    drip(res, body, 1, fault.dripMs);
    return;
  }
  res.writeHead(status, { ...clean, 'content-length': String(body.length) });
  res.end(status === 304 ? undefined : body);
}
