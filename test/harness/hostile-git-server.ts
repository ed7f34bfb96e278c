import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenLocal } from './ports.ts';

/**
 * A Git server of an attacker's own, speaking just enough of smart HTTP (protocol v0 upload-pack)
 * to get a client to its pack: the advertisement and the pack are whatever the test says, sent
 * as fast as the client reads them or dripped byte by byte.
 */
export interface HostileGitServer {
  /** `http://127.0.0.1:PORT/evil.git` */
  url: string;
  /** Bytes sent so far, over all responses: how far a client let the server go. */
  sent(): number;
  stop(): Promise<void>;
}

type Body = Buffer | (() => AsyncIterable<Buffer>);

export interface HostileGitOptions {
  /** GET …/info/refs?service=git-upload-pack: the whole response body. */
  advertisement: Body;
  /** GET …/info/refs?service=git-receive-pack: the whole response body. */
  receiveAdvertisement?: Body;
  /** POST …/git-upload-pack: the whole response body (see `sideBandPack`). */
  upload?: Body;
  /** POST …/git-receive-pack: the whole response body (the push report). */
  receive?: Body;
  /** Send each response a few bytes at a time, this far apart (a slowloris server). */
  dripMs?: number;
}

export const CAPABILITIES = 'multi_ack_detailed side-band-64k ofs-delta thin-pack shallow no-progress';

export async function startHostileGitServer(options: HostileGitOptions): Promise<HostileGitServer> {
  let sent = 0;
  const server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://hostile');
    const post = req.method === 'POST' ? url.pathname.slice(url.pathname.lastIndexOf('/') + 1) : undefined;
    const service = post ?? url.searchParams.get('service') ?? 'git-upload-pack';
    const advertised = service === 'git-receive-pack' ? options.receiveAdvertisement : options.advertisement;
    const body = post === 'git-upload-pack' ? options.upload : post === 'git-receive-pack' ? options.receive : url.pathname.endsWith('/info/refs') ? advertised : undefined;
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': `application/x-${service}-${post === undefined ? 'advertisement' : 'result'}` });
    void stream(res, body, options.dripMs, (n) => (sent += n)).catch(() => res.destroy());
  });
  await listenLocal(server);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/evil.git`,
    sent: () => sent,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function stream(res: ServerResponse, body: Body, dripMs: number | undefined, count: (n: number) => void): Promise<void> {
  const chunks = Buffer.isBuffer(body) ? [body] : body();
  for await (const chunk of chunks) {
    for (const piece of dripMs === undefined ? [chunk] : slices(chunk, 16)) {
      if (res.destroyed) return;
      count(piece.length);
      if (!res.write(piece)) await drained(res);
      if (dripMs !== undefined) await new Promise((resolve) => setTimeout(resolve, dripMs));
    }
  }
  res.end();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function* slices(chunk: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < chunk.length; at += size) yield chunk.subarray(at, at + size);
}

export function pkt(payload: string | Buffer): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([Buffer.from((bytes.length + 4).toString(16).padStart(4, '0')), bytes]);
}

const FLUSH = Buffer.from('0000');

/** A v0 advertisement of `refs` (name → oid), as smart HTTP sends it. */
export function advertisement(refs: Readonly<Record<string, string>>, service = 'git-upload-pack'): Buffer {
  const caps = service === 'git-receive-pack' ? 'report-status side-band-64k' : CAPABILITIES;
  const lines = Object.entries(refs).map(([name, oid], i) => pkt(`${oid} ${name}${i === 0 ? `\0${caps}` : ''}\n`));
  return Buffer.concat([pkt(`# service=${service}\n`), FLUSH, ...lines, FLUSH]);
}

/** An advertisement that never ends: refs/heads/main, then ever more branches. */
export function endlessAdvertisement(head: string): () => AsyncIterable<Buffer> {
  return async function* () {
    yield Buffer.concat([pkt('# service=git-upload-pack\n'), FLUSH]);
    yield* endlessRefs(head)();
  };
}

/** Refs without end, as git sends them over SSH (no `# service` header). */
export function endlessRefs(head: string): () => AsyncIterable<Buffer> {
  return async function* () {
    yield pkt(`${head} refs/heads/main\0${CAPABILITIES}\n`);
    for (let batch = 0; ; batch++) yield Buffer.concat(Array.from({ length: 1_000 }, (_, i) => pkt(`${head} refs/heads/spam-${batch}-${i}\n`)));
  };
}

/** One ref line, a few bytes at a time, this far apart, forever: busy, never idle, never done. */
export function tricklingRefs(head: string, everyMs: number): () => AsyncIterable<Buffer> {
  return async function* () {
    const line = pkt(`${head} refs/heads/main\0${CAPABILITIES}\n`);
    for (let at = 0; ; at = (at + 4) % line.length) {
      yield line.subarray(at, at + 4);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  };
}

/** The upload-pack answer: NAK, then `pack` on side-band 1 in 64 KB packets, then a flush. */
export function sideBandPack(pack: Buffer): Buffer {
  const parts = [pkt('NAK\n')];
  for (let at = 0; at < pack.length; at += 65_515) parts.push(pkt(Buffer.concat([Buffer.from([1]), pack.subarray(at, at + 65_515)])));
  parts.push(FLUSH);
  return Buffer.concat(parts);
}

/** Side-band progress (band 2) forever: a push report that never ends. */
export function endlessReport(): () => AsyncIterable<Buffer> {
  return async function* () {
    const line = pkt(Buffer.concat([Buffer.from([2]), Buffer.from(`remote: ${'spam '.repeat(1_000)}\n`)]));
    for (;;) yield Buffer.concat(Array.from({ length: 64 }, () => line));
  };
}

/** An upload-pack answer whose pack never ends (a valid header, then garbage forever). */
export function endlessPack(): () => AsyncIterable<Buffer> {
  return async function* () {
    yield pkt('NAK\n');
    const header = Buffer.from('PACK\0\0\0\x02\0\0\0\x01', 'latin1');
    yield pkt(Buffer.concat([Buffer.from([1]), header]));
    const junk = pkt(Buffer.concat([Buffer.from([1]), Buffer.alloc(65_515, 0x61)]));
    for (;;) yield junk;
  };
}
