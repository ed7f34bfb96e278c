import { createHash } from 'node:crypto';
import { constants, createDeflate, deflateSync } from 'node:zlib';

/**
 * Packfiles a malicious Git server could send, built byte by byte (git itself would never write
 * them): inflate bombs, delta bombs, long reverse ref-delta chains. Also the ordinary pieces
 * (a blob, a tree, a commit) so a hostile pack can still carry a readable head.
 */

const TYPE = { commit: 1, tree: 2, blob: 3, tag: 4, 'ofs-delta': 6, 'ref-delta': 7 } as const;

export interface PackEntry {
  type: keyof typeof TYPE;
  /** The size written in the entry header (a bomb lies here). */
  declared: number;
  /** The zlib stream as sent. */
  deflated: Buffer;
  /** ref-delta: the base's object id. */
  baseOid?: string;
}

/** A version 2 pack of `entries`, with a valid trailing checksum. */
export function buildPack(entries: readonly PackEntry[]): Buffer {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(entries.length, 8);
  const parts: Buffer[] = [header];
  for (const e of entries) {
    parts.push(entryHeader(TYPE[e.type], e.declared));
    if (e.baseOid !== undefined) parts.push(Buffer.from(e.baseOid, 'hex'));
    parts.push(e.deflated);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

export function objectId(type: string, data: Buffer): string {
  return createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex');
}

/** A whole object, honestly sized. */
export function whole(type: 'blob' | 'tree' | 'commit', data: Buffer): PackEntry & { oid: string } {
  return { type, declared: data.length, deflated: deflateSync(data), oid: objectId(type, data) };
}

/** A one-file tree and a commit on it: the head a hostile pack can still carry. */
export function commitOn(files: readonly { name: string; oid: string }[]): { tree: PackEntry & { oid: string }; commit: PackEntry & { oid: string } } {
  const tree = whole('tree', Buffer.concat(files.flatMap((f) => [Buffer.from(`100644 ${f.name}\0`), Buffer.from(f.oid, 'hex')])));
  const who = 'Mallory <mallory@example.com> 1700000000 +0000';
  const commit = whole('commit', Buffer.from(`tree ${tree.oid}\nauthor ${who}\ncommitter ${who}\n\nhostile\n`));
  return { tree, commit };
}

/**
 * `count` zero bytes, deflated at level 9 without ever holding them (zeros compress about 1000:1,
 * so a gigabyte of object comes from about a megabyte of pack).
 */
export async function deflatedZeros(count: number): Promise<Buffer> {
  const deflate = createDeflate({ level: constants.Z_BEST_COMPRESSION });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => deflate.once('end', resolve));
  const chunk = Buffer.alloc(1 << 20);
  for (let left = count; left > 0; left -= chunk.length) {
    if (!deflate.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return Buffer.concat(out);
}

/** A blob of `size` zeros that says so: a bomb only by its ratio. */
export async function zeroBlob(size: number): Promise<PackEntry> {
  return { type: 'blob', declared: size, deflated: await deflatedZeros(size) };
}

/** A delta's bytes: the base size and result size it claims, then its instructions. */
export function copyDelta(baseSize: number, resultSize: number, ops: readonly Buffer[]): Buffer {
  return Buffer.concat([varint(baseSize), varint(resultSize), ...ops]);
}

/** Copy `size` (< 2^24) bytes from `offset` (< 2^32) of the base. */
export function copyOp(offset: number, size: number): Buffer {
  const bytes: number[] = [];
  let op = 0x80;
  for (let i = 0; i < 4; i++) {
    const b = Math.floor(offset / 2 ** (8 * i)) & 0xff;
    if (b !== 0) {
      op |= 1 << i;
      bytes.push(b);
    }
  }
  for (let i = 0; i < 3; i++) {
    const b = (size >> (8 * i)) & 0xff;
    if (b !== 0) {
      op |= 16 << i;
      bytes.push(b);
    }
  }
  return Buffer.from([op, ...bytes]);
}

/** Insert literal bytes (1–127 at a time). */
export function insertOp(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([data.length]), data]);
}

/**
 * A chain of `length` ref-deltas over one 64-byte blob, written in reverse: every delta comes
 * before its base, the base blob last. Object k is the blob with its last 8 bytes set to k.
 * Returns the entries and the oid of the chain's last object.
 */
export function reverseRefDeltaChain(length: number): { entries: PackEntry[]; tip: string; base: string } {
  const content = (k: number) => Buffer.from(`${'x'.repeat(56)}${String(k).padStart(8, '0')}`);
  const oids = Array.from({ length: length + 1 }, (_, k) => objectId('blob', content(k)));
  const entries: PackEntry[] = [];
  for (let k = length; k >= 1; k--) {
    const delta = copyDelta(64, 64, [copyOp(0, 56), insertOp(content(k).subarray(56))]);
    entries.push({ type: 'ref-delta', declared: delta.length, deflated: deflateSync(delta), baseOid: oids[k - 1]! });
  }
  entries.push(whole('blob', content(0)));
  return { entries, tip: oids[length]!, base: oids[0]! };
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (type << 4) | (size % 16);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest % 128;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}
