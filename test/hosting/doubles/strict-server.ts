import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { listenLocal } from '../../harness/ports.ts';

/** One REST path of a host's published API, exactly as the double serves it. */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Anchored; named groups become `params`. */
  path: RegExp;
  /** Query parameters the API describes for this path; any other is refused. */
  query?: readonly string[];
  /** The request body as the API describes it (a strict schema: unknown fields are refused). */
  body?: z.ZodType;
  handle(request: RouteRequest): Reply;
}

export interface RouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
  /** `http://127.0.0.1:PORT`, for links in answers. */
  origin: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HostShape {
  /** Whether the request carries valid credentials (the double's tokens). */
  authorised(headers: IncomingMessage['headers'], path: string): boolean;
  /** The host's error body for a status and message. */
  error(status: number, message: string): unknown;
  /** Called once per request: the rate-limit headers for its answer, and a refusal when none are left. */
  rateLimit(): { headers: Record<string, string>; limited?: Reply };
}

export interface StrictDouble {
  url: string;
  /** `METHOD /path` of every request served by a route. */
  calls: string[];
  /** Requests the described API does not have (path, query or body): each is a test failure. */
  refused: string[];
  stop(): Promise<void>;
}

/**
 * An HTTP double of exactly the routes given, strict about everything else: an unknown path or
 * method, an undescribed query parameter or a body field the API does not take is refused in the
 * host's own error shape and recorded in `refused`, so a test can assert that none happened.
 */
export async function startStrictDouble(routes: readonly Route[], shape: HostShape): Promise<StrictDouble> {
  const calls: string[] = [];
  const refused: string[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const rate = shape.rateLimit();
        const reply = rate.limited ?? serve(req, Buffer.concat(chunks).toString('utf8'));
        send(res, reply, rate.headers);
      } catch (error) {
        send(res, { status: 500, body: shape.error(500, (error as Error).message) }, {});
      }
    });
  });

  function serve(req: IncomingMessage, text: string): Reply {
    const url = new URL(req.url ?? '/', origin);
    const what = `${req.method} ${url.pathname}`;
    const candidates = routes.filter((r) => r.path.test(url.pathname));
    const route = candidates.find((r) => r.method === req.method);
    if (route === undefined) {
      refused.push(`${what}: not in the API`);
      return { status: candidates.length > 0 ? 405 : 404, body: shape.error(candidates.length > 0 ? 405 : 404, candidates.length > 0 ? 'Method Not Allowed' : 'Not Found') };
    }
    if (!shape.authorised(req.headers, url.pathname)) return { status: 401, body: shape.error(401, 'Bad credentials') };
    const unknown = [...url.searchParams.keys()].filter((k) => !(route.query ?? []).includes(k));
    if (unknown.length > 0) {
      refused.push(`${what}: query ${unknown.join(', ')} not described`);
      return { status: 400, body: shape.error(400, `unknown parameter ${unknown.join(', ')}`) };
    }
    let body: unknown;
    if (route.body !== undefined) {
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        refused.push(`${what}: body is not JSON`);
        return { status: 400, body: shape.error(400, 'Problems parsing JSON') };
      }
      const parsed = route.body.safeParse(json);
      if (!parsed.success) {
        refused.push(`${what}: body ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        return { status: 422, body: shape.error(422, 'Invalid request') };
      }
      body = parsed.data;
    } else if (text !== '') {
      refused.push(`${what}: a body where the API takes none`);
      return { status: 400, body: shape.error(400, 'unexpected body') };
    }
    calls.push(what);
    const params = route.path.exec(url.pathname)?.groups ?? {};
    return route.handle({ params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, decodeURIComponent(v)])), query: url.searchParams, body, headers: req.headers, origin });
  }

  await listenLocal(server);
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    calls,
    refused,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function send(res: ServerResponse, reply: Reply, rateHeaders: Record<string, string>): void {
  const headers: Record<string, string> = { ...rateHeaders, ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(reply.body));
}

/** Pages of `items` with RFC 8288 Link headers, as GitHub, GitLab and Gitea all send them. */
export function paginate<T>(items: readonly T[], page: number, perPage: number, link: (page: number) => string): { slice: T[]; headers: Record<string, string> } {
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const rels: string[] = [];
  if (page < last) rels.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
  if (page > 1) rels.push(`<${link(1)}>; rel="first"`, `<${link(page - 1)}>; rel="prev"`);
  return { slice, headers: rels.length === 0 ? {} : { link: rels.join(', ') } };
}

/** A positive integer query parameter within the API's bounds, or the default. */
export function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, max) : fallback;
}
