/**
 * Reads a request body into memory within a byte bound and a time bound. A declared length over
 * the bound is refused before a byte is read; a stream that grows past it is refused when it
 * does; a sender too slow for the deadline is refused when it passes.
 */
import type { IncomingMessage } from 'node:http';
import { TagpilotError } from '../../problems/index.ts';

export class BodyTooLargeError extends TagpilotError {
  override name = 'BodyTooLargeError';

  constructor(limit: number) {
    super('webhook-body-too-large', `the body is larger than ${limit} bytes`, { data: { limit } });
  }
}

export class BodyTimeoutError extends TagpilotError {
  override name = 'BodyTimeoutError';

  constructor(timeoutMs: number) {
    super('webhook-body-timeout', `the body did not arrive within ${timeoutMs} ms`, { data: { timeoutMs } });
  }
}

/** The whole body; rejects with BodyTooLargeError or BodyTimeoutError, or the stream's own error. */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error | undefined) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', stop).off('aborted', onAborted);
      if (error === undefined) resolve(Buffer.concat(chunks, size));
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) stop(new BodyTooLargeError(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => stop(undefined);
    const onAborted = () => stop(new TagpilotError('cancelled', 'the sender closed the connection before the body was sent'));
    const timer = setTimeout(() => stop(new BodyTimeoutError(timeoutMs)), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', stop).on('aborted', onAborted);
  });
}
