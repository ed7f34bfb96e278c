import { createHmac } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import { createWebhookHandler, type GitPush, type RepositoryPush, type WebhookHandlerOptions, type WebhookSink } from '../../../src/server/index.ts';
import type { TagpilotError } from '../../../src/problems/index.ts';
import { closeServer, listenLocal } from '../../harness/ports.ts';

export const SECRET = 'example-webhook-secret-0123456789';
export const TOKEN = 'example-webhook-token-0123456789';

export const sign = (body: string | Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

/** A sink that writes down what it is told. */
export class RecordingSink implements WebhookSink {
  readonly repositories: RepositoryPush[] = [];
  readonly git: GitPush[] = [];
  repositoryPushed(push: RepositoryPush): void {
    this.repositories.push(push);
  }
  gitPushed(push: GitPush): void {
    this.git.push(push);
  }
}

export interface Served {
  url: string;
  sink: RecordingSink;
  failures: TagpilotError[];
  answers: { receiver: string | undefined; status: number; code?: string; hints: number }[];
  stop(): Promise<void>;
}

/** The handler behind a node:http server on 127.0.0.1; any path outside the prefix gets 418 from the server itself. */
export async function serve(options: Omit<WebhookHandlerOptions, 'sink'> & { sink?: WebhookSink }): Promise<Served> {
  const sink = new RecordingSink();
  const failures: TagpilotError[] = [];
  const answers: Served['answers'] = [];
  const handler = createWebhookHandler({ coalesceMs: 10, ...options, sink: options.sink ?? sink, observer: { failed: (e) => failures.push(e), answered: (a) => answers.push(a) } });
  const server = createServer((req, res) => {
    if (handler.handle(req, res)) return;
    res.writeHead(418).end();
  });
  const port = await listenLocal(server as unknown as import('node:net').Server);
  return {
    url: `http://127.0.0.1:${port}`,
    sink,
    failures,
    answers,
    async stop() {
      handler.close();
      await closeServer(server);
    },
  };
}

/** `fn` with a served handler, stopped after it whatever happens. */
export async function withServed(options: Parameters<typeof serve>[0], fn: (served: Served) => Promise<void>): Promise<void> {
  const served = await serve(options);
  try {
    await fn(served);
  } finally {
    await served.stop();
  }
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * POSTs with node:http, so a server that answers before the body is sent (413, 401) is seen
 * answering, not as a broken pipe. `body` may be a function that writes at its own pace.
 */
export function post(url: string, path: string, headers: Record<string, string>, body: string | Buffer | ((write: (chunk: Buffer) => boolean) => Promise<void>), method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, headers: { Connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may close while we still send: that is its right once it has answered.
    req.on('error', (error: NodeJS.ErrnoException) => (['EPIPE', 'ECONNRESET'].includes(error.code ?? '') ? undefined : reject(error)));
    if (typeof body === 'function') {
      body((chunk) => req.write(chunk))
        .then(() => req.end())
        .catch(() => undefined);
    } else req.end(body);
  });
}

export interface DocExample {
  name: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The example requests of docs/webhooks.md, as their senders post them. */
export function docExamples(): Map<string, DocExample> {
  const doc = readFileSync(new URL('../../../docs/webhooks.md', import.meta.url), 'utf8');
  const found = new Map<string, DocExample>();
  for (const match of doc.matchAll(/<!-- example: ([a-z-]+) -->\n```http\n([\s\S]*?)\n```\n/g)) {
    const [head = '', body = ''] = match[2]!.split(/\n\n([\s\S]*)/, 2);
    const [requestLine = '', ...lines] = head.split('\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
    delete headers.Host;
    found.set(match[1]!, { name: match[1]!, path: requestLine.split(' ')[1]!, headers, body });
  }
  return found;
}
