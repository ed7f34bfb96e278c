import type { ServerResponse } from 'node:http';

/** Writes `body` `bytes` at a time, `everyMs` apart, then ends: a slow server that is never idle. */
export function drip(res: ServerResponse, body: Buffer, bytes: number, everyMs: number): void {
  let at = 0;
  const timer = setInterval(() => {
    if (res.destroyed || at >= body.length) {
      clearInterval(timer);
      res.end();
      return;
    }
    res.write(body.subarray(at, (at += bytes)));
  }, everyMs);
  res.once('close', () => clearInterval(timer));
}
