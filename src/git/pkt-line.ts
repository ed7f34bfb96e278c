/** Git's pkt-line framing: four hex digits of length (including themselves), then the payload. */
export const FLUSH = Buffer.from('0000');

export function pktLine(text: string | Buffer): Buffer {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

/**
 * The offset just past the first flush-pkt in `data`, or -1 while the data holds none yet.
 * Used to find the end of a v0 ref advertisement in a byte stream.
 */
export function endOfFirstFlush(data: Buffer): number {
  let at = 0;
  while (at + 4 <= data.length) {
    const length = lengthAt(data, at);
    if (length === 0) return at + 4;
    // 0001 (delim) and 0002 (response end) belong to protocol v2 and carry no payload.
    at += length < 4 ? 4 : length;
  }
  return -1;
}

/** Splits complete pkt-lines: payloads, `null` for a flush. A truncated tail is an error. */
export function splitPktLines(data: Buffer): (Buffer | null)[] {
  const lines: (Buffer | null)[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 4 > data.length) throw new Error('the remote sent a truncated pkt-line');
    const length = lengthAt(data, at);
    if (length < 4) {
      lines.push(null);
      at += 4;
      continue;
    }
    if (at + length > data.length) throw new Error('the remote sent a truncated pkt-line');
    lines.push(data.subarray(at + 4, at + length));
    at += length;
  }
  return lines;
}

function lengthAt(data: Buffer, at: number): number {
  const length = Number.parseInt(data.subarray(at, at + 4).toString('latin1'), 16);
  if (Number.isNaN(length)) throw new Error('the remote sent bytes that are not git pkt-lines');
  return length;
}
