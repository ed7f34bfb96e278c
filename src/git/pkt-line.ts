import { GitError } from './remote.ts';

/** Git's pkt-line framing: four hex digits of length (including themselves), then the payload. */
export const FLUSH = Buffer.from('0000');

export function pktLine(text: string | Buffer): Buffer {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

/**
 * Finds the end of the first flush-pkt in a byte stream fed chunk by chunk (the end of a v0 ref
 * advertisement), in one pass over the bytes however they are split.
 */
export class FlushFinder {
  private header = '';
  private skip = 0;
  private seen = 0;

  /** Feeds the next chunk; returns the stream offset just past the first flush-pkt, or -1. */
  feed(chunk: Buffer): number {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      this.header += String.fromCharCode(chunk[at++]!);
      if (this.header.length < 4) continue;
      const length = parseLength(this.header);
      this.header = '';
      if (length === 0) {
        const end = this.seen + at;
        this.seen += chunk.length;
        return end;
      }
      // 0001 (delim) and 0002 (response end) belong to protocol v2 and carry no payload.
      this.skip = length < 4 ? 0 : length - 4;
    }
    this.seen += chunk.length;
    return -1;
  }
}

/** Splits complete pkt-lines: payloads, `null` for a flush. A truncated tail is an error. */
export function splitPktLines(data: Buffer): (Buffer | null)[] {
  const lines: (Buffer | null)[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 4 > data.length) throw new GitError('the remote sent a truncated pkt-line', { code: 'git-protocol' });
    const length = lengthAt(data, at);
    if (length < 4) {
      lines.push(null);
      at += 4;
      continue;
    }
    if (at + length > data.length) throw new GitError('the remote sent a truncated pkt-line', { code: 'git-protocol' });
    lines.push(data.subarray(at + 4, at + length));
    at += length;
  }
  return lines;
}

function lengthAt(data: Buffer, at: number): number {
  return parseLength(data.subarray(at, at + 4).toString('latin1'));
}

function parseLength(hex: string): number {
  // parseInt alone would read "00zz" as 0, a flush.
  if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new GitError('the remote sent bytes that are not git pkt-lines', { code: 'git-protocol' });
  return Number.parseInt(hex, 16);
}
