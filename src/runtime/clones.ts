import { CancelledError } from '../problems/index.ts';

/**
 * Local clones shared by the automations that write to the same (URL, branch): one session per
 * key, kept across config reloads while its connection settings stay the same, and one writer at
 * a time per key (the clone's files and its push are one).
 */
export class ClonePool<S> {
  private readonly sessions = new Map<string, { fingerprint: string; session: S }>();
  /** The tail of each key's queue: resolves when the writer before the next one is done. */
  private readonly tails = new Map<string, Promise<void>>();

  /** The session for `key`, made by `create` the first time and again when `fingerprint` changed. */
  session(key: string, fingerprint: string, create: () => S): S {
    const known = this.sessions.get(key);
    if (known !== undefined && known.fingerprint === fingerprint) return known.session;
    const session = create();
    this.sessions.set(key, { fingerprint, session });
    return session;
  }

  /** Every session kept (to close them at the end). */
  all(): S[] {
    return [...this.sessions.values()].map((s) => s.session);
  }

  /** Forgets the sessions of keys no automation uses any more. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.sessions.keys()) if (!keys.has(key)) this.sessions.delete(key);
  }

  /**
   * Runs `work` once every earlier writer on `key` is done; `signal` gives up the wait (the
   * cycle's timeout, a shutdown) without ever running `work`.
   */
  async exclusive<T>(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // The next writer waits for this one, and for those before it even if this one gives up waiting.
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    try {
      await abortable(before, signal, key);
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** The key of a clone: URL and branch. */
export function cloneKey(url: string, branch: string): string {
  return `${url}\0${branch}`;
}

function abortable(wait: Promise<void>, signal: AbortSignal | undefined, key: string): Promise<void> {
  if (signal === undefined) return wait;
  if (signal.aborted) return Promise.reject(new CancelledError(`waiting for the clone of ${key.replace('\0', ' ')}`, { cause: signal.reason }));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new CancelledError(`waiting for the clone of ${key.replace('\0', ' ')}`, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    wait.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}
