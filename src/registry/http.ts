import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { TransportError } from './errors.ts';
import { abortableSleep, backoffDelay, deadline, HostGate, parseRetryAfter, type HostLimits } from './limits.ts';
import { REDIRECT_STATUS, redirected } from './redirect.ts';
import type { RegistryObserver } from './observer.ts';

export interface HttpSettings {
  dispatcher: Dispatcher;
  /** Time to the response headers, and the longest silence inside a body. */
  timeoutMs: number;
  /** Whole exchange, body included: a server dripping bytes cannot hold a request forever. */
  totalTimeoutMs: number;
  /** Attempts after the first for network failures, 429 and 5xx. */
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** A longer Retry-After fails the request now instead of stalling the cycle. */
  maxRetryAfterMs: number;
  limitsFor(host: string): HostLimits;
  /** Plain HTTP is allowed only to hosts the config marks insecure. */
  allowsHttp(host: string): boolean;
  observer?: RegistryObserver;
}

export interface Exchange {
  method: 'GET' | 'HEAD' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** The largest body read; larger is an error, never a memory blow-up. */
  maxBytes: number;
  /** What the request is for, counted in stats: `tags`, `manifest`, `blob`, `token`. */
  kind: string;
  /**
   * The answer is checked against a digest the caller holds (a blob): a redirect to another origin
   * (blob storage) is followed, without credentials. Any other credentialed request is refused one.
   */
  verifiedByDigest?: boolean;
  /** Cancels the request, its retries and its waits; the signal's reason is what is thrown. */
  signal?: AbortSignal;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Where the answer came from, after redirects. */
  url: URL;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

const MAX_REDIRECTS = 5;

/** HTTP for the registry client: per-host gates, retries with backoff, redirects that never take credentials off-origin. */
export class Http {
  private readonly settings: HttpSettings;
  private readonly gates = new Map<string, HostGate>();
  readonly counts = new Map<string, number>();

  constructor(settings: HttpSettings) {
    this.settings = settings;
  }

  async send(exchange: Exchange): Promise<Reply> {
    const { retries, backoffMs, maxBackoffMs, maxRetryAfterMs } = this.settings;
    const { signal } = exchange;
    for (let attempt = 0; ; attempt++) {
      const gate = this.gate(exchange.url.host);
      let failure: TransportError;
      try {
        const reply = await gate.run(() => this.follow(exchange), signal);
        if (!RETRY_STATUS.has(reply.status)) return reply;
        failure = new TransportError(`${exchange.url.host} answered ${reply.status}${reply.status === 429 ? ' (rate limited)' : ''}`, true, reply.status);
        const retryAfter = parseRetryAfter(header(reply, 'retry-after'));
        if (retryAfter !== undefined) {
          if (retryAfter > maxRetryAfterMs) throw new TransportError(`${failure.message}; it asks to retry after ${Math.ceil(retryAfter / 1000)}s, longer than the ${Math.ceil(maxRetryAfterMs / 1000)}s we wait`, false, reply.status);
          gate.pause(Date.now() + retryAfter); // holds every request to this host, not just this one
          this.settings.observer?.rateLimited?.(exchange.url.host, Date.now() + retryAfter);
          if (attempt < retries) continue;
        }
      } catch (error) {
        signal?.throwIfAborted(); // cancelled: the caller's reason, never a retry
        if (error instanceof TransportError && !error.retryable) throw error;
        failure = error instanceof TransportError ? error : transportFailure(exchange.url, error);
        if (!failure.retryable) throw failure;
      }
      if (attempt >= retries) throw new TransportError(`${failure.message} (after ${attempt + 1} attempts)`, true, failure.status, { code: failure.code });
      await abortableSleep(backoffDelay(attempt, backoffMs, maxBackoffMs), signal);
    }
  }

  private gate(host: string): HostGate {
    let gate = this.gates.get(host);
    if (gate === undefined) this.gates.set(host, (gate = new HostGate(this.settings.limitsFor(host), (ms, reason) => this.settings.observer?.waited?.(host, ms, reason))));
    return gate;
  }

  /** One attempt, following redirects; credentials never follow a redirect to another origin. */
  private async follow(exchange: Exchange): Promise<Reply> {
    let current = exchange;
    for (let hop = 0; ; hop++) {
      this.checkScheme(current.url);
      const reply = await this.once(current);
      const location = header(reply, 'location');
      if (!REDIRECT_STATUS.has(reply.status) || location === undefined) return reply;
      if (hop >= MAX_REDIRECTS) throw new TransportError(`${exchange.url.host}: more than ${MAX_REDIRECTS} redirects`, false);
      current = redirected(current, reply.status, location);
    }
  }

  private checkScheme(url: URL): void {
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && this.settings.allowsHttp(url.host)) return;
    throw new TransportError(`refusing ${url.protocol.replace(':', '')} to ${url.host}: plain HTTP only for registries the config marks insecure`, false, undefined, { code: 'plain-http-refused' });
  }

  private async once(exchange: Exchange): Promise<Reply> {
    this.counts.set(exchange.kind, (this.counts.get(exchange.kind) ?? 0) + 1);
    try {
      const reply = await this.exchange(exchange);
      this.settings.observer?.request?.(exchange.url.host, exchange.kind, reply.status);
      return reply;
    } catch (error) {
      this.settings.observer?.request?.(exchange.url.host, exchange.kind, 'error');
      throw error;
    }
  }

  private async exchange(exchange: Exchange): Promise<Reply> {
    // A timer cleared when the exchange ends: AbortSignal.timeout() cannot be, so every request
    // left one behind for the whole totalTimeout, to fire then (a DOMException with its stack each).
    const limit = deadline(this.settings.totalTimeoutMs, () => new DOMException(`no whole answer within ${this.settings.totalTimeoutMs} ms`, 'TimeoutError'), exchange.signal);
    try {
      const response = await request(exchange.url, {
        method: exchange.method,
        headers: exchange.headers,
        body: exchange.body,
        dispatcher: this.settings.dispatcher,
        headersTimeout: this.settings.timeoutMs,
        bodyTimeout: this.settings.timeoutMs,
        signal: limit.signal,
      });
      const body = await readBounded(exchange, response);
      return { status: response.statusCode, headers: response.headers, body, url: exchange.url };
    } finally {
      limit.clear();
    }
  }
}

async function readBounded(exchange: Exchange, response: Dispatcher.ResponseData): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (exchange.method !== 'HEAD' && declared > exchange.maxBytes) {
    response.body.destroy();
    throw new TransportError(`${exchange.url.host}: response of ${declared} bytes exceeds the ${exchange.maxBytes}-byte limit`, false, undefined, { code: 'response-too-large' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > exchange.maxBytes) {
      response.body.destroy();
      throw new TransportError(`${exchange.url.host}: response exceeds the ${exchange.maxBytes}-byte limit`, false, undefined, { code: 'response-too-large' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A network-level failure, described by code only: undici messages can quote request details. */
function transportFailure(url: URL, error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const code = (error as { code?: string }).code;
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return new TransportError(`${url.host}: request timed out`, true, undefined, { code: 'registry-timeout' });
  if (error instanceof undiciErrors.HeadersTimeoutError) return new TransportError(`${url.host}: no response headers in time`, true, undefined, { code: 'registry-timeout' });
  if (error instanceof undiciErrors.BodyTimeoutError) return new TransportError(`${url.host}: response body stalled`, true, undefined, { code: 'registry-timeout' });
  if (error instanceof undiciErrors.ConnectTimeoutError) return new TransportError(`${url.host}: connect timed out`, true, undefined, { code: 'registry-timeout' });
  if (code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code)) return new TransportError(`${url.host}: TLS failed (${code})`, false, undefined, { code: 'tls-failed' });
  return new TransportError(`cannot reach registry at ${url.host}: ${code ?? name ?? 'request failed'}`, true);
}

export function header(reply: Reply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
