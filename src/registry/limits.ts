import { setTimeout as sleep } from 'node:timers/promises';
import { timerDelay } from '../policy/index.ts';

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
  /** Until when the registry asked us to wait (Retry-After): tells its waits from our own budget's. */
  private pausedUntil = 0;
  private readonly onWait: ((ms: number, reason: 'retry-after' | 'budget') => void) | undefined;

  constructor(limits: HostLimits, onWait?: (ms: number, reason: 'retry-after' | 'budget') => void) {
    this.limits = { concurrency: Math.max(1, limits.concurrency), requestsPerSecond: Math.max(0, limits.requestsPerSecond) };
    this.onWait = onWait;
  }

  /** Runs `work` when the host allows; a cancelled `signal` takes the request out of the queue. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      await this.waitForTurn(signal);
      return await work();
    } finally {
      this.release();
    }
  }

  /** Holds every request to this host until `until` (epoch ms): what a 429's Retry-After asks. */
  pause(until: number): void {
    this.nextStart = Math.max(this.nextStart, until);
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  private async waitForTurn(signal: AbortSignal | undefined): Promise<void> {
    const interval = this.limits.requestsPerSecond > 0 ? 1000 / this.limits.requestsPerSecond : 0;
    for (;;) {
      const now = Date.now();
      if (now >= this.nextStart) {
        this.nextStart = now + interval;
        return;
      }
      this.onWait?.(this.nextStart - now, now < this.pausedUntil ? 'retry-after' : 'budget');
      await abortableSleep(timerDelay(this.nextStart - now), signal);
    }
  }

  private async acquire(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.limits.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const granted = () => {
        signal?.removeEventListener('abort', cancelled);
        resolve();
      };
      const cancelled = () => {
        const at = this.waiting.indexOf(granted);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      this.waiting.push(granted);
      signal?.addEventListener('abort', cancelled, { once: true });
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next !== undefined)
      next(); // the slot passes straight to the next waiter
    else this.active--;
  }
}

/** A wait that a cancelled `signal` ends early, throwing the signal's reason. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
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

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A signal that aborts after `ms` with `reason()`, or when `parent` aborts (with the parent's
 * reason). `clear` stops the timer once the work is done.
 */
export function deadline(ms: number, reason: () => Error, parent?: AbortSignal): { signal: AbortSignal; clear(): void } {
  const own = new AbortController();
  // Timers take at most 2^31-1 ms; a longer one would fire at once.
  const timer = setTimeout(() => own.abort(reason()), Math.min(ms, MAX_TIMER_MS));
  timer.unref();
  return { signal: parent === undefined ? own.signal : AbortSignal.any([parent, own.signal]), clear: () => clearTimeout(timer) };
}
