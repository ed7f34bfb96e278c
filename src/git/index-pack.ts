import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { entryHeader } from './objects.ts';

const TYPES = ['', 'commit', 'tree', 'blob', 'tag', '', 'ofs-delta', 'ref-delta'] as const;

interface Entry {
  offset: number;
  crc: number;
  type: string;
  /** Inflated bytes: the object itself, or a delta against its base. */
  data: Buffer;
  baseOffset?: number;
  baseOid?: string;
  oid?: string;
}

interface Resolved {
  type: string;
  data: Buffer;
}

/** Looks up an object we already hold, for the bases of a thin pack. */
export type BaseLookup = (oid: string) => Promise<{ type: string; data: Buffer } | undefined>;

/**
 * Indexes a received pack with Node's zlib and SHA-1 and stores it as `pack-<sha>.pack` and
 * `.idx` (version 2), as `git index-pack --fix-thin` would. Doing this in isomorphic-git costs an
 * async web-crypto call and a JavaScript inflate per object: most of a first clone's time.
 * A thin pack (deltas against objects we already hold, found through `lookup`) is completed by
 * appending those bases, so every stored pack stands on its own. Returns the number of objects.
 */
export async function storePack(gitdir: string, received: Buffer, lookup: BaseLookup = async () => undefined): Promise<number> {
  if (received.length < 32 || received.toString('latin1', 0, 4) !== 'PACK') throw new Error('the remote sent no pack');
  if (!sha1(received.subarray(0, received.length - 20)).equals(received.subarray(received.length - 20))) throw new Error('the pack from the remote is corrupt (checksum mismatch)');
  if (received.readUInt32BE(8) === 0) return 0;
  const entries = parseEntries(received, received.readUInt32BE(8));
  const resolved = await resolveAll(entries, lookup);
  const pack = resolved.appended.length === 0 ? received : fixThin(received, entries, resolved.appended);
  const checksum = pack.subarray(pack.length - 20);
  const name = `pack-${checksum.toString('hex')}`;
  const dir = join(gitdir, 'objects', 'pack');
  // The index last, and by rename: readers look for .idx files, so they never see half a pack.
  await writeFile(join(dir, `${name}.pack`), pack);
  await writeFile(join(dir, `${name}.idx.tmp`), packIndex(entries, checksum));
  await rename(join(dir, `${name}.idx.tmp`), join(dir, `${name}.idx`));
  return entries.length;
}

/**
 * Gives every entry its oid: whole objects first, then deltas whose base is known, in passes; a
 * base found in neither the pack nor `lookup` makes the pack unusable.
 */
async function resolveAll(entries: Entry[], lookup: BaseLookup): Promise<{ appended: Resolved[] }> {
  const byOffset = new Map(entries.map((e) => [e.offset, e]));
  const byOid = new Map<string, Resolved>();
  const objects = new Map<number, Resolved>();
  const appended: Resolved[] = [];
  const settle = (entry: Entry, object: Resolved) => {
    entry.oid = objectId(object.type, object.data);
    objects.set(entry.offset, object);
    byOid.set(entry.oid, object);
  };
  for (const entry of entries) if (entry.type !== 'ofs-delta' && entry.type !== 'ref-delta') settle(entry, { type: entry.type, data: entry.data });
  let pending = entries.filter((e) => e.oid === undefined);
  while (pending.length > 0) {
    const before = pending.length;
    for (const entry of pending) {
      const base = entry.baseOffset !== undefined ? objects.get(entry.baseOffset) : byOid.get(entry.baseOid!);
      if (base !== undefined) settle(entry, { type: base.type, data: applyDelta(base.data, entry.data) });
    }
    pending = pending.filter((e) => e.oid === undefined);
    if (pending.length < before) continue;
    // No progress: the remaining bases are outside the pack (a thin pack) or nowhere.
    const missing = pending.find((e) => e.baseOid !== undefined && !byOid.has(e.baseOid) && !byOffset.has(e.baseOffset ?? -1));
    const base = missing === undefined ? undefined : await lookup(missing.baseOid!);
    if (missing === undefined || base === undefined) throw new Error('the pack refers to a delta base we do not hold');
    byOid.set(missing.baseOid!, base);
    appended.push(base);
  }
  return { appended };
}

/** Appends whole copies of external bases to a thin pack (count and checksum updated). */
function fixThin(received: Buffer, entries: Entry[], bases: readonly Resolved[]): Buffer {
  const body = Buffer.from(received.subarray(0, received.length - 20));
  body.writeUInt32BE(entries.length + bases.length, 8);
  const parts: Buffer[] = [body];
  let at = body.length;
  for (const base of bases) {
    const bytes = Buffer.concat([entryHeader(PACK_TYPE_CODES[base.type]!, base.data.length), deflateSync(base.data)]);
    entries.push({ offset: at, crc: crc32(bytes), type: base.type, data: base.data, oid: objectId(base.type, base.data) });
    parts.push(bytes);
    at += bytes.length;
  }
  const pack = Buffer.concat(parts);
  return Buffer.concat([pack, sha1(pack)]);
}

const PACK_TYPE_CODES: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

function sha1(bytes: Buffer): Buffer {
  return createHash('sha1').update(bytes).digest();
}

function parseEntries(pack: Buffer, count: number): Entry[] {
  const entries: Entry[] = [];
  let at = 12;
  for (let i = 0; i < count; i++) {
    const offset = at;
    let byte = pack[at++]!;
    const type = TYPES[(byte >> 4) & 7] ?? '';
    let size = byte & 0x0f;
    for (let shift = 4; byte & 0x80; shift += 7) {
      byte = pack[at++]!;
      size += (byte & 0x7f) * 2 ** shift;
    }
    const entry: Entry = { offset, crc: 0, type, data: Buffer.alloc(0) };
    if (type === 'ofs-delta') {
      byte = pack[at++]!;
      let back = byte & 0x7f;
      while (byte & 0x80) {
        byte = pack[at++]!;
        back = (back + 1) * 128 + (byte & 0x7f);
      }
      entry.baseOffset = offset - back;
    } else if (type === 'ref-delta') {
      entry.baseOid = pack.toString('hex', at, at + 20);
      at += 20;
    } else if (type === '') {
      throw new Error(`the pack holds an object of unknown type at offset ${offset}`);
    }
    const { buffer, engine } = inflateSync(pack.subarray(at, pack.length - 20), { info: true, maxOutputLength: Math.max(size, 1) }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    if (buffer.length !== size) throw new Error(`the pack's object at offset ${offset} has the wrong size`);
    at += engine.bytesWritten;
    entry.data = buffer;
    entry.crc = crc32(pack.subarray(offset, at));
    entries.push(entry);
  }
  return entries;
}

/** Applies a git delta: copy ranges of the base and insert literal bytes. */
function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = delta[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  if (varint() !== base.length) throw new Error('a delta in the pack does not fit its base');
  const out = Buffer.alloc(varint());
  let written = 0;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) offset += delta[at++]! * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (16 << bit)) size += delta[at++]! * 2 ** (8 * bit);
      if (size === 0) size = 0x10000;
      written += base.copy(out, written, offset, offset + size);
    } else if (op > 0) {
      written += delta.copy(out, written, at, at + op);
      at += op;
    } else {
      throw new Error('a delta in the pack has a reserved instruction');
    }
  }
  if (written !== out.length) throw new Error('a delta in the pack has the wrong result size');
  return out;
}

function objectId(type: string, data: Buffer): string {
  return createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex');
}

/** Pack index version 2: fan-out, sorted ids, CRCs, 31-bit offsets, checksums. */
function packIndex(entries: readonly Entry[], packChecksum: Buffer): Buffer {
  const sorted = [...entries].sort((a, b) => (a.oid! < b.oid! ? -1 : 1));
  if (sorted.some((e) => e.offset >= 2 ** 31)) throw new Error('packs over 2 GiB are not supported');
  const header = Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]);
  const fanout = Buffer.alloc(256 * 4);
  const counts = new Array<number>(256).fill(0);
  for (const e of sorted) counts[Number.parseInt(e.oid!.slice(0, 2), 16)]!++;
  let total = 0;
  for (let i = 0; i < 256; i++) fanout.writeUInt32BE((total += counts[i]!), i * 4);
  const ids = Buffer.from(sorted.map((e) => e.oid!).join(''), 'hex');
  const crcs = Buffer.alloc(sorted.length * 4);
  const offsets = Buffer.alloc(sorted.length * 4);
  sorted.forEach((e, i) => {
    crcs.writeUInt32BE(e.crc, i * 4);
    offsets.writeUInt32BE(e.offset, i * 4);
  });
  const body = Buffer.concat([header, fanout, ids, crcs, offsets, packChecksum]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}
