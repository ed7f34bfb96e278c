import type { Logger } from 'pino';

/** The log calls the Kubernetes parts make. */
export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * Where the Kubernetes parts count what happened (events written, dropped, failed; nudges;
 * lease changes). The server's metrics registry implements it; `MemoryCounters` keeps the
 * numbers for tests and for a process without one.
 */
export interface Counters {
  inc(name: string, labels?: Readonly<Record<string, string>>): void;
}

export class MemoryCounters implements Counters {
  private readonly values = new Map<string, number>();

  inc(name: string, labels: Readonly<Record<string, string>> = {}): void {
    const key = seriesKey(name, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + 1);
  }

  get(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.values.get(seriesKey(name, labels)) ?? 0;
  }

  /** Every series as `name{label="value",…}` → count, for a test to read whole. */
  all(): Record<string, number> {
    return Object.fromEntries(this.values);
  }
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}
