import { bytesText, limitHit, REPORT_BYTES, type GitLimits } from './limits.ts';
import { GitError } from './remote.ts';
import type { Transport, TransportSession } from './transport.ts';

export interface OperationBounds {
  limits: GitLimits;
  /** The whole operation's deadline. */
  deadlineMs: number;
  /** What and where, for messages: `fetch from https://host/repo.git (main)`. */
  what: string;
  /** The caller's cancellation (a cycle's): it ends the operation's I/O as the deadline does. */
  signal?: AbortSignal;
}

/**
 * Runs one git operation in its own session, bounded: every response body is capped by what it
 * may hold (an advertisement, a pack, a push report) and the whole operation by a deadline, so
 * a server that trickles bytes forever costs at most the deadline. When it passes, the session's
 * I/O is aborted and the operation fails with `git-deadline`, whatever it was waiting for.
 */
export async function runOperation<T>(transport: Transport, bounds: OperationBounds, action: (session: TransportSession) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const session = boundedSession(transport.open(controller.signal), bounds);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new GitError(`${bounds.what}: did not finish within ${seconds(bounds.deadlineMs)} (git.timeouts.operation)`, { code: 'git-deadline', data: { limit: 'operationMs', value: bounds.deadlineMs } });
      controller.abort(error);
      reject(error);
    }, bounds.deadlineMs);
  });
  const parent = bounds.signal;
  let abort = () => {};
  const cancelled = new Promise<never>((_, reject) => {
    abort = () => {
      controller.abort(parent?.reason);
      reject(parent?.reason);
    };
    if (parent?.aborted) abort();
    else parent?.addEventListener('abort', abort, { once: true });
  });
  cancelled.catch(() => undefined);
  const work = action(session);
  // Past the deadline nobody waits for the aborted work: its failure is expected.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline, cancelled]);
  } finally {
    clearTimeout(timer);
    // The caller's signal (a cycle's) outlives many operations: a listener left on it would keep
    // this one's closure, and Node keeps an AbortSignal.any() alive while it has a listener.
    parent?.removeEventListener('abort', abort);
    await session.close();
  }
}

/** The session with each response body capped by what its request asked for. */
function boundedSession(session: TransportSession, bounds: OperationBounds): TransportSession {
  return {
    signal: session.signal,
    close: () => session.close(),
    http: {
      request: async (req) => {
        const res = await session.http.request(req);
        const cap = capFor(req.method ?? 'GET', req.url, bounds);
        return { ...res, body: capped(res.body ?? emptyBody(), cap) };
      },
    },
  };
}

interface Cap {
  bytes: number;
  error: () => GitError;
}

function capFor(method: string, url: string, bounds: OperationBounds): Cap {
  const { limits, what } = bounds;
  if (method === 'GET') return { bytes: limits.advertisementBytes, error: () => limitHit('advertisement-too-large', 'advertisementBytes', limits.advertisementBytes, `${what}: the ref advertisement is larger`) };
  if (url.endsWith('/git-upload-pack')) {
    // The pack comes framed in side-band packets (5 bytes per 64 KB) after a few lines of negotiation.
    const bytes = limits.packBytes + Math.ceil(limits.packBytes / 65_515) * 5 + 65_536;
    return { bytes, error: () => limitHit('pack-too-large', 'packBytes', limits.packBytes, `${what}: the pack is larger`) };
  }
  return { bytes: REPORT_BYTES, error: () => new GitError(`${what}: the answer is larger than ${bytesText(REPORT_BYTES)}`, { code: 'response-too-large', data: { limit: 'reportBytes', value: REPORT_BYTES } }) };
}

async function* capped(body: AsyncIterable<Uint8Array>, cap: Cap): AsyncIterableIterator<Uint8Array> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    // Leaving the loop ends the source: the rest is never read.
    if (total > cap.bytes) throw cap.error();
    yield chunk;
  }
}

async function* emptyBody(): AsyncIterableIterator<Uint8Array> {}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
