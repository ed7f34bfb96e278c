import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { HostingError, hostWords, refusalCode } from './errors.ts';

export interface JsonApiSettings {
  /** The API root, e.g. `https://gitlab.example.com/api/v4`. */
  baseUrl: string;
  /** The auth header(s) for this host only. */
  headers: Record<string, string>;
  /** Extra CA certificates (PEM). */
  ca?: string;
  timeoutMs?: number;
  /** The largest answer read. */
  maxBytes?: number;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface Call<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Relative to the API root; segments already encoded. */
  path: string;
  query?: Query;
  body?: unknown;
  /** What the API describes for a success; anything else is `hosting-bad-answer`. */
  schema: z.ZodType<T>;
}

export interface Answer<T> {
  value: T;
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A small typed JSON client on undici for hosting APIs without a well-kept client light enough
 * to load at start-up: bounded answers, a timeout, answers validated against the API's schema,
 * refusals turned into coded errors with the host's own words (never a token).
 */
export class JsonApi {
  private readonly base: URL;
  private readonly settings: JsonApiSettings;
  private readonly dispatcher: Dispatcher;

  constructor(settings: JsonApiSettings) {
    this.settings = settings;
    this.base = new URL(settings.baseUrl.endsWith('/') ? settings.baseUrl : `${settings.baseUrl}/`);
    const timeout = settings.timeoutMs ?? 30_000;
    this.dispatcher = new Agent({ connect: { timeout, ...(settings.ca === undefined ? {} : { ca: settings.ca }) }, headersTimeout: timeout, bodyTimeout: timeout });
  }

  get host(): string {
    return this.base.host;
  }

  async call<T>(call: Call<T>): Promise<Answer<T>> {
    const url = new URL(call.path.replace(/^\//, ''), this.base);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    return this.send(url, call);
  }

  /** Every page of a list, following `Link: rel="next"` on the same origin only, at most `maxPages`. */
  async pages<T>(call: Call<T[]>, maxPages: number): Promise<T[]> {
    const items: T[] = [];
    let url: URL | undefined = new URL(call.path.replace(/^\//, ''), this.base);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    for (let page = 0; url !== undefined && page < maxPages; page++) {
      const answer: Answer<T[]> = await this.send(url, call);
      items.push(...answer.value);
      url = nextLink(answer.headers.link, this.base);
    }
    return items;
  }

  private async send<T>(url: URL, call: Call<T>): Promise<Answer<T>> {
    const what = `${call.method} ${url.pathname}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: call.method,
        dispatcher: this.dispatcher,
        headers: { accept: 'application/json', 'user-agent': 'tagpilot', ...this.settings.headers, ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
      });
    } catch (error) {
      throw new HostingError('hosting-unreachable', `${this.host}: ${what}: ${(error as { code?: string }).code ?? (error as Error).message}`, { host: this.host });
    }
    const text = await readBounded(response.body, this.settings.maxBytes ?? 4 * 1024 * 1024, this.host);
    const json = parseJson(text);
    if (response.statusCode >= 300) throw refusal(this.host, what, response, json);
    const parsed = call.schema.safeParse(json);
    if (!parsed.success) throw new HostingError('hosting-bad-answer', `${this.host}: ${what}: the answer is not what the API describes (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`, { host: this.host, status: response.statusCode });
    return { value: parsed.data, status: response.statusCode, headers: response.headers };
  }
}

function refusal(host: string, what: string, response: Dispatcher.ResponseData, json: unknown): HostingError {
  const h = response.headers;
  const left = first(h['x-ratelimit-remaining'] ?? h['ratelimit-remaining']);
  const code = refusalCode(response.statusCode, left);
  const body = (json ?? {}) as { message?: unknown; error?: unknown };
  const words = hostWords(body.message ?? body.error);
  const reset = first(h['x-ratelimit-reset'] ?? h['ratelimit-reset']);
  const resetAt = reset !== undefined && /^\d+$/.test(reset) ? new Date(Number(reset) * 1000).toISOString() : undefined;
  const until = code === 'hosting-rate-limited' && resetAt !== undefined ? ` (rate limited until ${resetAt})` : '';
  return new HostingError(code, `${host}: ${what} answered ${response.statusCode}${words === '' ? '' : `: ${words}`}${until}`, { host, status: response.statusCode, ...(resetAt === undefined ? {} : { resetAt }) });
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readBounded(body: Dispatcher.ResponseData['body'], maxBytes: number, host: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new HostingError('hosting-bad-answer', `${host}: the answer is larger than ${maxBytes} bytes`, { host });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** RFC 8288 `Link` header: the `rel="next"` target, if it stays on the API's origin. */
export function nextLink(header: string | string[] | undefined, base: URL): URL | undefined {
  const value = first(header);
  if (value === undefined) return undefined;
  for (const part of value.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match === null) continue;
    const next = new URL(match[1]!, base);
    // A link to another host would take our token there: stop instead.
    return next.origin === base.origin ? next : undefined;
  }
  return undefined;
}
