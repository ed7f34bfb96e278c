import { setTimeout as sleep } from 'node:timers/promises';

export interface HostLimits {
  /** Requests in flight to one host at once. */
  concurrency: number;
  /** Request starts per second to one host; 0 means no rate limit. */
  requestsPerSecond: number;
}

/**
 * Per-host gate: at most `concurrency` requests in flight and at most `requestsPerSecond` starts.
 * One gate per host, so a slow or rate-limiting registry only queues its own requests.
 */
export class HostGate {
  private readonly limits: HostLimits;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Earliest time the next request may start: the rate limit and any Retry-After pause. */
  private nextStart = 0;

  constructor(limits: HostLimits) {
    this.limits = { concurrency: Math.max(1, limits.concurrency), requestsPerSecond: Math.max(0, limits.requestsPerSecond) };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      await this.waitForTurn();
      return await work();
    } finally {
      this.release();
    }
  }

  /** Holds every request to this host until `until` (epoch ms): what a 429's Retry-After asks. */
  pause(until: number): void {
    this.nextStart = Math.max(this.nextStart, until);
  }

  private async waitForTurn(): Promise<void> {
    const interval = this.limits.requestsPerSecond > 0 ? 1000 / this.limits.requestsPerSecond : 0;
    for (;;) {
      const now = Date.now();
      if (now >= this.nextStart) {
        this.nextStart = now + interval;
        return;
      }
      await sleep(this.nextStart - now);
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.limits.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(); // the slot passes straight to the next waiter
    else this.active--;
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. Result in ms. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff with equal jitter: half the step is fixed, half random, so retries spread out. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** attempt);
  return step / 2 + random() * (step / 2);
}
