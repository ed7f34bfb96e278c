import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenLocal } from './ports.ts';

/** What the redirector does with one request: redirect it, or forward it (to `path`, if given). */
export type RedirectRule = (req: IncomingMessage) => { status: number; location: string } | { path: string } | undefined;

export interface Redirector {
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  /** `METHOD path` of every request forwarded upstream, as it reached the redirector. */
  forwarded: string[];
  stop(): Promise<void>;
}

/**
 * An HTTP server in front of `upstream` that redirects the requests `rule` picks and forwards the
 * rest as they are (credentials included): a Git host that moved, or one that tries to send a
 * client's credentials elsewhere.
 */
export async function startRedirector(upstream: string, rule: RedirectRule): Promise<Redirector> {
  const forwarded: string[] = [];
  const server = createServer((req, res) => {
    const action = rule(req);
    if (action !== undefined && 'status' in action) {
      req.resume();
      res.writeHead(action.status, { location: action.location }).end();
      return;
    }
    const path = action?.path ?? req.url ?? '/';
    forwarded.push(`${req.method} ${req.url}`);
    const target = new URL(path, upstream);
    const out = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.once('error', () => res.destroy());
    req.pipe(out);
  });
  await listenLocal(server);
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${host}`, host, forwarded, stop: () => close(server) };
}

export interface Recorder {
  url: string;
  host: string;
  /** What reached it: method, path and the Authorization header. */
  requests: { method: string; path: string; authorization?: string }[];
  stop(): Promise<void>;
}

/** Another origin that records whatever reaches it and answers 404. */
export async function startRecorder(): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization });
    req.resume();
    res.writeHead(404).end();
  });
  await listenLocal(server);
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${host}`, host, requests, stop: () => close(server) };
}

function close(server: ReturnType<typeof createServer>): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
