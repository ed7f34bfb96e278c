import type { HttpClient } from 'isomorphic-git';

/**
 * What isomorphic-git talks to: an http-shaped client for one git operation. Every operation
 * opens a session and closes it in a `finally`, so no connection outlives its operation.
 */
export interface TransportSession {
  http: HttpClient;
  /** Aborted when the operation's deadline passes: no more I/O, nothing more written. */
  signal?: AbortSignal;
  close(): Promise<void>;
}

export interface Transport {
  /** The URL handed to isomorphic-git (never carries credentials). */
  readonly url: string;
  /** Where the remote is, without credentials, for messages. */
  readonly description: string;
  /** Protocol version for listing refs: v2 lets the server filter by prefix; SSH here speaks v0. */
  readonly lsRefsProtocol: 1 | 2;
  /** A session for one operation; `signal` ends its I/O (the operation's deadline). */
  open(signal?: AbortSignal): TransportSession;
  /** Releases pooled connections. */
  dispose(): Promise<void>;
}

export interface Timeouts {
  /** Until the TCP (and TLS or SSH handshake) is up. */
  connectMs: number;
  /** Longest silence while waiting for response bytes. */
  idleMs: number;
  /** Longest a whole operation (a fetch, a push, a read-back) may take, however busy the line. */
  operationMs?: number;
}

export const DEFAULT_TIMEOUTS: Required<Timeouts> = { connectMs: 10_000, idleMs: 60_000, operationMs: 120_000 };

/** Collects a request body (isomorphic-git passes an array or async iterable of chunks). */
export async function collectBody(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | undefined): Promise<Buffer | undefined> {
  if (body === undefined) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
