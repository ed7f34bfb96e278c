import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Directory holding the bare repositories. */
  root: string;
  /** Requests served, by `METHOD path?service`. */
  requests: string[];
  repoUrl(name: string): string;
  stop(): Promise<void>;
}

export interface GitServerOptions {
  /** Require HTTP Basic auth with these credentials. */
  auth?: { username: string; password: string };
}

const BACKEND = execFileSync('git', ['--exec-path']).toString().trim() + '/git-http-backend';

/** Git over smart HTTP: `git http-backend` (CGI) behind a small Node server on 127.0.0.1. */
export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'tagpilot-git-'));
  const requests: string[] = [];
  const children = new Set<ReturnType<typeof spawn>>();
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (!authorised(req, options.auth)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    serveCgi(root, req, res, children);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    root,
    requests,
    repoUrl: (name) => `${url}/${name}.git`,
    async stop() {
      server.closeAllConnections();
      server.close();
      await Promise.all([...children].map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
      await rm(root, { recursive: true, force: true });
    },
  };
}

function authorised(req: IncomingMessage, auth: GitServerOptions['auth']): boolean {
  if (auth === undefined) return true;
  const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return req.headers.authorization === expected;
}

function serveCgi(root: string, req: IncomingMessage, res: ServerResponse, children: Set<ReturnType<typeof spawn>>): void {
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
  relayCgiResponse(child.stdout, res);
}

/** Splits the CGI output into a status, headers and the body, and streams the body on. */
function relayCgiResponse(stdout: NodeJS.ReadableStream, res: ServerResponse): void {
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
    res.write(head.subarray(end + 4));
    stdout.pipe(res);
  };
  stdout.on('data', onData);
  stdout.once('end', () => {
    if (!res.headersSent) res.writeHead(502).end('git http-backend sent no headers');
  });
}
