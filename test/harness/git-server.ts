import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drip } from './drip.ts';
import { listenLocal } from './ports.ts';

export interface GitServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Directory holding the bare repositories. */
  root: string;
  /** Requests served, by `METHOD path?service`. */
  requests: string[];
  /** The same requests with what crossed the wire, for tests about credentials and sizes. */
  exchanges: Exchange[];
  repoUrl(name: string): string;
  stop(): Promise<void>;
}

export interface Exchange {
  method: string;
  url: string;
  /** The Authorization header as received, if any. */
  authorization?: string;
  status: number;
  /** Request and response body sizes in bytes (the pack sizes of pushes and fetches). */
  requestBytes: number;
  responseBytes: number;
}

export interface GitRequest {
  method: string;
  path: string;
  service: string | null;
}

/** A server fault, injected into one request. */
export type GitFault =
  /** Answer with this status at once: git http-backend never sees the request. */
  | { status: number }
  /**
   * Let git http-backend serve the request to its end (a push is applied), then, instead of its
   * answer: a 500, a cut connection, or no answer at all. The answer to a push is lost.
   */
  | { afterBackend: 'status-500' | 'reset' | 'stall' }
  /** Serve it, the answer 16 bytes at a time, this far apart: a slow server that is never idle. */
  | { dripMs: number };

export interface GitServerOptions {
  /** Require HTTP Basic auth with these credentials. */
  auth?: { username: string; password: string };
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
  /**
   * Runs before a request reaches git http-backend (its body is held until this resolves): a
   * test makes a human commit here to lose a race on purpose.
   */
  beforeRequest?: (request: GitRequest) => void | Promise<void>;
  /** The fault for this request, if any (asked after `beforeRequest`). */
  fault?: (request: GitRequest) => GitFault | undefined;
}

const BACKEND = execFileSync('git', ['--exec-path']).toString().trim() + '/git-http-backend';

/** Git over smart HTTP: `git http-backend` (CGI) behind a small Node server on 127.0.0.1. */
export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'tagpilot-git-'));
  const requests: string[] = [];
  const exchanges: Exchange[] = [];
  const children = new Set<ReturnType<typeof spawn>>();
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    const exchange: Exchange = { method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization, status: 0, requestBytes: 0, responseBytes: 0 };
    exchanges.push(exchange);
    countBytes(req, res, exchange);
    if (!authorised(req, options.auth)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const request: GitRequest = { method: exchange.method, path: url.pathname, service: url.searchParams.get('service') };
    if (options.beforeRequest !== undefined) {
      req.pause();
      try {
        await options.beforeRequest(request);
      } catch (error) {
        // A failing test hook must fail the request, not leave it hanging.
        res.writeHead(500).end(`beforeRequest failed: ${(error as Error).message}`);
        return;
      }
    }
    const fault = options.fault?.(request);
    if (fault !== undefined && 'status' in fault) {
      req.resume();
      res.writeHead(fault.status).end(`injected fault: ${fault.status}\n`);
      return;
    }
    serveCgi(root, req, res, children, fault);
  };
  const server = options.tls === undefined ? createServer(handler) : createHttpsServer(options.tls, handler);
  await listenLocal(server);
  const url = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    root,
    requests,
    exchanges,
    repoUrl: (name) => `${url}/${name}.git`,
    async stop() {
      server.closeAllConnections();
      server.close();
      await Promise.all([...children].map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
      await rm(root, { recursive: true, force: true });
    },
  };
}

function countBytes(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
  req.on('data', (chunk: Buffer) => (exchange.requestBytes += chunk.length));
  const write = res.write.bind(res);
  res.write = ((chunk: Buffer | string, ...rest: unknown[]) => {
    exchange.responseBytes += Buffer.byteLength(chunk);
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof res.write;
  res.once('finish', () => (exchange.status = res.statusCode));
}

function authorised(req: IncomingMessage, auth: GitServerOptions['auth']): boolean {
  if (auth === undefined) return true;
  const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return req.headers.authorization === expected;
}

function serveCgi(root: string, req: IncomingMessage, res: ServerResponse, children: Set<ReturnType<typeof spawn>>, fault?: GitFault): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const child = spawn(BACKEND, [], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      // A REMOTE_USER enables receive-pack (push) in http-backend.
      REMOTE_USER: 'tagpilot-test',
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  req.pipe(child.stdin);
  if (fault !== undefined && 'afterBackend' in fault) return loseAnswer(child, res, fault.afterBackend);
  relayCgiResponse(child.stdout, res, fault !== undefined && 'dripMs' in fault ? fault.dripMs : undefined);
}

/** Waits until git http-backend is done (what it did is done), then loses its answer. */
function loseAnswer(child: ReturnType<typeof spawn>, res: ServerResponse, how: 'status-500' | 'reset' | 'stall'): void {
  child.stdout!.resume();
  child.once('exit', () => {
    if (how === 'status-500') res.writeHead(500).end('injected fault: 500 after the backend ran\n');
    else if (how === 'reset') res.socket?.resetAndDestroy();
    // 'stall': the answer never comes; the client's timeouts must end the wait.
  });
}

/** Splits the CGI output into a status, headers and the body, and streams the body on (or drips it). */
function relayCgiResponse(stdout: NodeJS.ReadableStream, res: ServerResponse, dripMs?: number): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    stdout.off('data', onData);
    let status = 200;
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    if (dripMs !== undefined) return dripRest(stdout, head.subarray(end + 4), res, dripMs);
    res.write(head.subarray(end + 4));
    stdout.pipe(res);
  };
  stdout.on('data', onData);
  stdout.once('end', () => {
    if (!res.headersSent) res.writeHead(502).end('git http-backend sent no headers');
  });
}

/** Collects the rest of the body, then drips it 16 bytes at a time, `everyMs` apart. */
function dripRest(stdout: NodeJS.ReadableStream, first: Buffer, res: ServerResponse, everyMs: number): void {
  const chunks = [first];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  stdout.once('end', () => drip(res, Buffer.concat(chunks), 16, everyMs));
}

/** A self-signed certificate for 127.0.0.1 (it is its own CA), made with openssl. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], { stdio: 'ignore' });
    const cert = execFileSync('openssl', ['req', '-x509', '-key', keyFile, '-subj', '/CN=tagpilot test CA', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return { key: readFileSync(keyFile, 'utf8'), cert };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
