import { setTimeout as sleep } from 'node:timers/promises';
import { TagpilotError } from '../problems/index.ts';
import { DEFAULT_TEMPLATES, dedupeKey, payload, render, signature, type Channel, type NotifyEvent, type NotifyKind } from './message.ts';

/** Where messages go: a resolved route of the config's `notify` (secrets read). */
export interface Route {
  name: string;
  channel: Channel;
  url: string;
  /** The generic webhook's HMAC key. */
  secret?: string;
  events: readonly NotifyKind[];
  /** Replaces the default text of every kind. */
  template?: string;
  /** Messages a minute, after a burst of as many. */
  perMinute: number;
}

export interface NotifierOptions {
  routes: readonly Route[];
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
  counters?: { inc(name: string, labels?: Readonly<Record<string, string>>): void };
  fetch?: typeof fetch;
  now?: () => number;
  /** Tries per message (default 4), the first retry after `backoffMs` (default 1 s), doubling. */
  attempts?: number;
  backoffMs?: number;
  /** Each request's bound (default 10 s). */
  timeoutMs?: number;
  /** Keys remembered for de-duplication (default 10,000; the oldest forgotten first). */
  maxKeys?: number;
  /** Deliveries in flight per route; past it, messages are dropped (default 50). */
  maxPending?: number;
}

/** Delivery failed after every retry: counted and logged, never thrown to a cycle. */
export class NotifyError extends TagpilotError {
  override name = 'NotifyError';
  constructor(message: string, status?: number) {
    super('notify-delivery-failed', message, { data: { status } });
  }
}

const MAX_RESPONSE = 64 * 1024;

/**
 * Sends notifications, best effort: `notify` returns at once. Each route takes the kinds it asks
 * for, once per tag and outcome, at most `perMinute` (more are dropped and counted); a delivery
 * is retried with backoff on a network error, a 429 or a 5xx, and the URL (a secret for Slack and
 * Teams) is never logged.
 */
export class Notifier {
  private readonly o: Required<Omit<NotifierOptions, 'counters'>> & Pick<NotifierOptions, 'counters'>;
  private readonly seen = new Set<string>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly pending = new Map<string, Set<Promise<void>>>();

  constructor(options: NotifierOptions) {
    this.o = { fetch: globalThis.fetch, now: Date.now, attempts: 4, backoffMs: 1_000, timeoutMs: 10_000, maxKeys: 10_000, maxPending: 50, ...options };
  }

  notify(event: NotifyEvent): void {
    for (const route of this.o.routes) {
      if (!route.events.includes(event.kind)) continue;
      const key = dedupeKey(route.name, event);
      if (this.seen.has(key)) {
        this.count(route, event, 'duplicate');
        continue;
      }
      const inFlight = this.pending.get(route.name) ?? new Set();
      if (!this.take(route) || inFlight.size >= this.o.maxPending) {
        this.count(route, event, 'dropped');
        continue;
      }
      this.remember(key);
      const p = this.deliver(route, event);
      inFlight.add(p);
      this.pending.set(route.name, inFlight);
      void p.finally(() => inFlight.delete(p));
    }
  }

  /** Resolves when every delivery in flight has ended (shutdown, tests). */
  async settled(): Promise<void> {
    for (;;) {
      const all = [...this.pending.values()].flatMap((s) => [...s]);
      if (all.length === 0) return;
      await Promise.allSettled(all);
    }
  }

  private async deliver(route: Route, event: NotifyEvent): Promise<void> {
    const text = render(route.template ?? DEFAULT_TEMPLATES[event.kind], event);
    const body = JSON.stringify(payload(route.channel, event, text, this.o.now()));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'tagpilot' };
    if (route.channel === 'webhook' && route.secret !== undefined) headers['x-tagpilot-signature'] = signature(route.secret, body);
    let last = '';
    for (let attempt = 1; attempt <= this.o.attempts; attempt++) {
      if (attempt > 1) await sleep(this.o.backoffMs * 2 ** (attempt - 2));
      const result = await this.post(route.url, headers, body);
      if (result.ok) return this.count(route, event, 'sent');
      last = result.why;
      if (!result.retry) break;
    }
    this.count(route, event, 'failed');
    const error = new NotifyError(`notify ${route.name}: ${event.kind} for ${event.workload} not delivered: ${last}`);
    this.o.log.warn({ route: route.name, code: error.code }, error.message);
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<{ ok: boolean; retry: boolean; why: string }> {
    try {
      const response = await this.o.fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.o.timeoutMs) });
      await drain(response);
      if (response.status >= 200 && response.status < 300) return { ok: true, retry: false, why: '' };
      return { ok: false, retry: response.status === 429 || response.status >= 500, why: `answered ${response.status}` };
    } catch (error) {
      const e = error as { name?: string; cause?: { code?: string } };
      return { ok: false, retry: true, why: e.name === 'TimeoutError' ? `no answer in ${this.o.timeoutMs} ms` : `unreachable (${e.cause?.code ?? e.name ?? 'network error'})` };
    }
  }

  private take(route: Route): boolean {
    const now = this.o.now();
    const b = this.buckets.get(route.name) ?? { tokens: route.perMinute, at: now };
    b.tokens = Math.min(route.perMinute, b.tokens + ((now - b.at) / 60_000) * route.perMinute);
    b.at = now;
    this.buckets.set(route.name, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private remember(key: string): void {
    this.seen.add(key);
    while (this.seen.size > this.o.maxKeys) this.seen.delete(this.seen.values().next().value!);
  }

  private count(route: Route, event: NotifyEvent, outcome: 'sent' | 'failed' | 'dropped' | 'duplicate'): void {
    this.o.counters?.inc('tagpilot_notifications_total', { route: route.name, kind: event.kind, outcome });
  }
}

/** Reads at most MAX_RESPONSE bytes of the answer (nobody needs it), so the connection is freed. */
async function drain(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (reader === undefined) return;
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    size += value.byteLength;
    if (size > MAX_RESPONSE) return void (await reader.cancel());
  }
}
