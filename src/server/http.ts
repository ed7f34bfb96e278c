import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What answers a request: a route, or a module mounted on a path prefix (the webhook receivers). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Mount {
  /** `/webhooks/`: every request whose path starts with it goes to `handler`, the path unchanged. */
  prefix: string;
  /** Looked up per request, so a config reload can swap it. */
  handler: () => RequestHandler | undefined;
}

export interface ListenOptions {
  address: string;
  port: number;
  /** Exact paths, GET (and HEAD) only. */
  routes?: Readonly<Record<string, RequestHandler>>;
  mounts?: readonly Mount[];
}

export interface Listening {
  /** `http://address:port`, the port the OS chose when 0 was asked. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Bounds on a client that keeps a connection open or sends slowly (a probe never needs more). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** One HTTP listener: its routes, its mounts, 404 for the rest; a handler's failure is a 500, never a crash. */
export async function listen(options: ListenOptions): Promise<Listening> {
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => void dispatch(options, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return { url: `http://${host}:${port}`, port, close: () => close(server) };
}

async function dispatch(options: ListenOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const mounted = options.mounts?.find((m) => path.startsWith(m.prefix))?.handler();
    if (mounted !== undefined) return await mounted(req, res);
    const route = options.routes?.[path];
    if (route === undefined) return text(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    await route(req, res);
  } catch {
    // The handler's own failure: the client gets a 500, the server stays up.
    if (!res.headersSent) text(res, 500, 'internal error\n');
    else res.destroy();
  }
}

export function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(body);
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(`${JSON.stringify(body, null, 2)}\n`);
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections (a scraper's) would hold close() open.
    server.closeAllConnections();
  });
}
