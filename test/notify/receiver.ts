import { createServer, type IncomingMessage } from 'node:http';
import { closeServer, listenLocal } from '../harness/ports.ts';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP receiver on 127.0.0.1: records each POST; `answers` are the statuses to give, in order (then 200). */
export async function receiver(answers: number[] = []) {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.shift() ?? 200).end('ok');
      for (const w of waiters.splice(0)) w();
    });
  });
  const port = await listenLocal(server);
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    /** Resolves once `n` requests have arrived. */
    async count(n: number): Promise<void> {
      while (received.length < n) await new Promise<void>((r) => waiters.push(r));
    },
    stop: () => closeServer(server),
  };
}
