/**
 * Bursts become one call: the first hint for a key opens a window, the ones that follow within it
 * join it, and the key is flushed once when the window closes. A registry that sends one event
 * per layer and manifest, or a CI job that pushes ten tags, costs one listing. A fixed window
 * (not a sliding one) means a steady stream still flushes every window, never starves.
 */
export interface CoalescerOptions {
  windowMs: number;
  /** Keys waiting at once; a new key beyond it is refused (polling still finds it). */
  maxPending: number;
}

export class Coalescer<T> {
  readonly #flush: (item: T) => void;
  readonly #options: CoalescerOptions;
  readonly #pending = new Map<string, NodeJS.Timeout>();

  constructor(flush: (item: T) => void, options: CoalescerOptions) {
    this.#flush = flush;
    this.#options = options;
  }

  /** False when the key is new and the backlog is full: the item is dropped. */
  add(key: string, item: T): boolean {
    if (this.#pending.has(key)) return true;
    if (this.#pending.size >= this.#options.maxPending) return false;
    const timer = setTimeout(() => {
      this.#pending.delete(key);
      this.#flush(item);
    }, this.#options.windowMs);
    timer.unref();
    this.#pending.set(key, timer);
    return true;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Drops what waits: on shutdown, the next start polls anyway. */
  close(): void {
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }
}
