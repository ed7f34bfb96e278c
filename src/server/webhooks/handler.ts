/**
 * The receivers over HTTP: one node:http request handler for every receiver, under one path
 * prefix (`<prefix>/<name>`, and `<prefix>/<name>/<token>` for Docker Hub and Quay). It answers
 * as soon as the body is judged, always the same 202 for an accepted request whatever it names,
 * and hands the hints on afterwards, a burst per key at a time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCode, TagpilotError, type Code } from '../../problems/index.ts';
import { authenticated, judgedBeforeBody } from './auth.ts';
import { readBody } from './body.ts';
import { Coalescer } from './coalesce.ts';
import { readWebhook } from './read.ts';
import { checkReceivers, type CheckedReceiver } from './receivers.ts';
import type { Hint, Receiver, WebhookSink } from './types.ts';

export interface WebhookObserver {
  /** Every request answered under the prefix: its receiver (undefined for a path naming none), status, and for 202 the hints it held. */
  answered?(event: { receiver: string | undefined; status: number; code?: Code; hints: number }): void;
  /** A failure after the answer: the sink threw, or the backlog was full and a hint was dropped. */
  failed?(error: TagpilotError): void;
}

export interface WebhookHandlerOptions {
  receivers: readonly Receiver[];
  sink: WebhookSink;
  /** Where the receivers live; default `/webhooks`. */
  prefix?: string;
  /** Hints for one repository or branch within this long make one call; default 100 ms. */
  coalesceMs?: number;
  /** Distinct repositories and branches waiting at once; default 10 000. */
  maxPending?: number;
  /** A body must arrive within this long; default 10 s. */
  bodyTimeoutMs?: number;
  observer?: WebhookObserver;
}

export interface WebhookHandler {
  /** Takes a request under the prefix (answers it, returns true); leaves any other alone (returns false). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Drops the hints still waiting and their timers. */
  close(): void;
}

/** After a refusal, a sender still sending gets this long to stop before the connection is cut. */
const DRAIN_MS = 2_000;

/** Throws `config-invalid` when a receiver may not serve (docs/webhooks.md#security). */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const receivers = new Map(checkReceivers(options.receivers).map((r) => [r.name, r]));
  const prefix = (options.prefix ?? '/webhooks').replace(/\/+$/, '');
  const observer = options.observer ?? {};
  const coalescer = new Coalescer<Hint>((hint) => deliver(options.sink, hint, observer), { windowMs: options.coalesceMs ?? 100, maxPending: options.maxPending ?? 10_000 });
  const context: Context = { receivers, coalescer, observer, bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000 };
  return {
    handle(req, res) {
      const route = routeOf(req.url ?? '/', prefix);
      if (route === undefined) return false;
      serve(context, req, res, route).catch((error: unknown) => answer(res, req, 500, errorCode(error), undefined, observer));
      return true;
    },
    close: () => coalescer.close(),
  };
}

interface Context {
  receivers: ReadonlyMap<string, CheckedReceiver>;
  coalescer: Coalescer<Hint>;
  observer: WebhookObserver;
  bodyTimeoutMs: number;
}

interface Route {
  name: string;
  token?: string;
}

/** `<prefix>/<name>[/<token>]` (query ignored); undefined when the path is not under the prefix. */
function routeOf(url: string, prefix: string): Route | undefined {
  const path = url.split('?', 1)[0]!;
  if (!path.startsWith(`${prefix}/`)) return undefined;
  const [name = '', token, ...rest] = path.slice(prefix.length + 1).split('/');
  if (rest.length > 0) return { name: '' };
  try {
    return token === undefined ? { name } : { name, token: decodeURIComponent(token) };
  } catch {
    return { name: '' };
  }
}

async function serve(context: Context, req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
  const receiver = context.receivers.get(route.name);
  const fail = (status: number, code?: Code) => answer(res, req, status, code, receiver?.name, context.observer);
  const takesPathToken = receiver?.kind === 'dockerhub' || receiver?.kind === 'quay';
  if (receiver === undefined || (route.token !== undefined && !takesPathToken)) return fail(404);
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return fail(405);
  }
  const request = { headers: req.headers, ...(route.token === undefined ? {} : { pathToken: route.token }) };
  // A token is checked before the body is read: an unknown sender makes us read nothing.
  if (judgedBeforeBody(receiver) && !authenticated(receiver, { ...request, body: Buffer.alloc(0) })) return fail(401, 'webhook-unauthorized');
  let hints: Hint[];
  try {
    hints = readWebhook(receiver, { ...request, body: await readBody(req, receiver.maxBodyBytes, context.bodyTimeoutMs) });
  } catch (error) {
    const code = errorCode(error);
    return fail(STATUS_OF[code] ?? 500, code);
  }
  answer(res, req, 202, undefined, receiver.name, context.observer, hints.length);
  for (const hint of hints) {
    if (!context.coalescer.add(keyOf(hint), hint)) context.observer.failed?.(new TagpilotError('webhook-backlog-full', `webhook receiver "${receiver.name}": ${context.coalescer.pending} hints wait already; this one is dropped (polling finds it)`, { data: { receiver: receiver.name } }));
  }
}

const PLAIN_ERRORS: Readonly<Record<number, string>> = { 404: 'not-found', 405: 'method-not-allowed' };

const STATUS_OF: Partial<Record<Code, number>> = {
  'webhook-unauthorized': 401,
  'webhook-payload-invalid': 400,
  'webhook-body-too-large': 413,
  'webhook-body-timeout': 408,
  cancelled: 400,
};

/** The one key a burst shares: the repository, or the branch and its URLs. */
function keyOf(hint: Hint): string {
  return hint.kind === 'repository' ? `r\0${hint.host}/${hint.repository}` : `g\0${hint.branch}\0${[...hint.urls].sort().join('\0')}`;
}

function deliver(sink: WebhookSink, hint: Hint, observer: WebhookObserver): void {
  const report = (error: unknown) => observer.failed?.(error instanceof TagpilotError ? error : new TagpilotError('internal', `a webhook sink failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
  try {
    const done = hint.kind === 'repository' ? sink.repositoryPushed({ host: hint.host, repository: hint.repository }) : sink.gitPushed({ urls: hint.urls, branch: hint.branch });
    if (done instanceof Promise) done.catch(report);
  } catch (error) {
    report(error);
  }
}

/**
 * One answer for every outcome of a kind: 202 says nothing about what the payload named. A
 * refused body may still be arriving: it is drained, and cut if it does not stop soon.
 */
function answer(res: ServerResponse, req: IncomingMessage, status: number, code: Code | undefined, receiver: string | undefined, observer: WebhookObserver, hints = 0): void {
  observer.answered?.({ receiver, status, ...(code === undefined ? {} : { code }), hints });
  if (res.headersSent) return;
  const body = JSON.stringify(status === 202 ? { status: 'accepted' } : { error: code ?? PLAIN_ERRORS[status] ?? 'failed' });
  if (!req.complete) {
    res.setHeader('Connection', 'close');
    req.resume();
    setTimeout(() => req.socket.destroy(), DRAIN_MS).unref();
  }
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}
