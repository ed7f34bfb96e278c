import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { DEFAULT_GIT_LIMITS, limitHit, type GitLimits } from './limits.ts';
import { sizedInflate } from './inflate.ts';
import { entryHeader } from './objects.ts';
import { PACK_TYPES as TYPES } from './pack-entry.ts';
import { GitCacheError, GitError } from './remote.ts';

/** Inflated entries up to this size are kept for the resolution, as long as all kept stay under the budget. */
const KEEP_EACH = 1 << 20;
const KEEP_BUDGET = 32 << 20;

interface Entry {
  offset: number;
  /** Where its zlib stream starts: it is inflated again when needed and not kept. */
  dataAt: number;
  crc: number;
  type: string;
  /** Inflated size: of the object itself, or of the delta against its base. */
  size: number;
  /** The inflated bytes, while small enough to keep. */
  data?: Buffer;
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

export type PackLimits = Pick<GitLimits, 'objectBytes' | 'unpackedBytes' | 'deltaDepth'>;

/**
 * Indexes a received pack with Node's zlib and SHA-1 and stores it as `pack-<sha>.pack` and
 * `.idx` (version 2), as `git index-pack --fix-thin` would. Doing this in isomorphic-git costs an
 * async web-crypto call and a JavaScript inflate per object: most of a first clone's time.
 * A thin pack (deltas against objects we already hold, found through `lookup`) is completed by
 * appending those bases, so every stored pack stands on its own. Returns the number of objects.
 *
 * The pack is the remote's word and may be hostile: sizes are checked before anything is
 * inflated or allocated, the unpacked total is metered, deltas are resolved from their bases
 * down (each once, so a long chain costs its length, not its square), and only small objects
 * are kept in memory; the rest are inflated again when a delta needs them.
 */
export async function storePack(gitdir: string, received: Buffer, lookup: BaseLookup = async () => undefined, limits: PackLimits = DEFAULT_GIT_LIMITS): Promise<number> {
  if (received.length < 32 || received.toString('latin1', 0, 4) !== 'PACK') throw corrupt('the remote sent no pack');
  if (!sha1(received.subarray(0, received.length - 20)).equals(received.subarray(received.length - 20))) throw corrupt('the pack from the remote is corrupt (checksum mismatch)');
  if (received.readUInt32BE(8) === 0) return 0;
  const meter = new Meter(limits.unpackedBytes);
  const entries = parseEntries(received, received.readUInt32BE(8), limits, meter);
  const appended = await resolveAll(received, entries, lookup, limits, meter);
  const pack = appended.length === 0 ? received : fixThin(received, entries, appended);
  const checksum = pack.subarray(pack.length - 20);
  const name = `pack-${checksum.toString('hex')}`;
  const dir = join(gitdir, 'objects', 'pack');
  // The index last, and by rename: readers look for .idx files, so they never see half a pack.
  await writeFile(join(dir, `${name}.pack`), pack);
  await writeFile(join(dir, `${name}.idx.tmp`), packIndex(entries, checksum));
  await rename(join(dir, `${name}.idx.tmp`), join(dir, `${name}.idx`));
  return entries.length;
}

/** Counts the bytes unpacked from one pack against its limit. */
class Meter {
  private total = 0;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  add(bytes: number): void {
    this.total += bytes;
    if (this.total > this.limit) throw limitHit('pack-too-large', 'unpackedBytes', this.limit, 'the pack from the remote unpacks to more');
  }
}

/** A delta frame on the way down from a base: the object, and which of its children is next. */
interface Frame {
  object: Resolved;
  depth: number;
  children: Entry[];
  next: number;
}

/**
 * Gives every entry its oid, walking down from each base to the deltas on it (by offset and by
 * oid), depth first. What no base in the pack reaches is tried against `lookup` (a thin pack),
 * each missing base once; a base found nowhere makes the pack unusable.
 */
async function resolveAll(pack: Buffer, entries: Entry[], lookup: BaseLookup, limits: PackLimits, meter: Meter): Promise<Resolved[]> {
  const byOffset = new Map<number, Entry[]>();
  const byOid = new Map<string, Entry[]>();
  for (const e of entries) {
    if (e.baseOffset !== undefined) push(byOffset, e.baseOffset, e);
    if (e.baseOid !== undefined) push(byOid, e.baseOid, e);
  }
  const childrenOf = (oid: string, offset?: number) => [...(offset === undefined ? [] : (byOffset.get(offset) ?? [])), ...(byOid.get(oid) ?? [])];
  const walk = (object: Resolved, children: Entry[]) => {
    const stack: Frame[] = [{ object, depth: 0, children, next: 0 }];
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      const child = frame.children[frame.next++];
      // Done with a base once its last child is built: a chain holds two objects, not its length.
      if (frame.next >= frame.children.length) stack.pop();
      if (child === undefined || child.oid !== undefined) continue;
      if (frame.depth + 1 > limits.deltaDepth) throw limitHit('delta-chain-too-deep', 'deltaDepth', limits.deltaDepth, 'a delta chain in the pack from the remote is deeper');
      const built = { type: frame.object.type, data: applyDelta(frame.object.data, dataOf(pack, child), limits, child.offset) };
      meter.add(built.data.length);
      child.oid = objectId(built.type, built.data);
      const next = childrenOf(child.oid, child.offset);
      if (next.length > 0) stack.push({ object: built, depth: frame.depth + 1, children: next, next: 0 });
    }
  };
  for (const e of entries) {
    if (e.baseOffset !== undefined || e.baseOid !== undefined) continue;
    const children = childrenOf(e.oid!, e.offset);
    if (children.length > 0) walk({ type: e.type, data: dataOf(pack, e) }, children);
  }
  const appended: Resolved[] = [];
  const asked = new Set<string>();
  for (const e of entries) {
    if (e.oid !== undefined || e.baseOid === undefined || asked.has(e.baseOid)) continue;
    asked.add(e.baseOid);
    // Its base may still be a delta in the pack that a later base reaches: then this finds nothing.
    const base = await lookup(e.baseOid);
    if (base === undefined) continue;
    appended.push(base);
    walk(base, childrenOf(e.baseOid));
  }
  // We offered these bases as `have`s: a clone that lacks one is damaged. A fresh clone has no
  // haves, so the remote sends no thin pack and the retry stands on its own.
  if (entries.some((e) => e.oid === undefined)) throw new GitCacheError('the pack refers to a delta base we do not hold');
  // A base we looked up may be in the pack after all (as a delta reached later): keep one copy.
  const inPack = new Set(entries.map((e) => e.oid));
  return appended.filter((b) => !inPack.has(objectId(b.type, b.data)));
}

function push<K>(map: Map<K, Entry[]>, key: K, entry: Entry): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}

/** Appends whole copies of external bases to a thin pack (count and checksum updated). */
function fixThin(received: Buffer, entries: Entry[], bases: readonly Resolved[]): Buffer {
  const body = Buffer.from(received.subarray(0, received.length - 20));
  body.writeUInt32BE(entries.length + bases.length, 8);
  const parts: Buffer[] = [body];
  let at = body.length;
  for (const base of bases) {
    const bytes = Buffer.concat([entryHeader(PACK_TYPE_CODES[base.type]!, base.data.length), deflateSync(base.data)]);
    entries.push({ offset: at, dataAt: at, crc: crc32(bytes), type: base.type, size: base.data.length, oid: objectId(base.type, base.data) });
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

/**
 * Reads every entry's header and inflates it once: for its size, its CRC, where the next entry
 * starts, and a whole object's oid. A declared size over the limit is refused before inflating;
 * zlib never produces more than was declared.
 */
function parseEntries(pack: Buffer, count: number, limits: PackLimits, meter: Meter): Entry[] {
  const end = pack.length - 20;
  const entries: Entry[] = [];
  let kept = 0;
  let at = 12;
  const byte = () => {
    if (at >= end) throw corrupt('the pack from the remote is truncated');
    return pack[at++]!;
  };
  for (let i = 0; i < count; i++) {
    const offset = at;
    let b = byte();
    const type = TYPES[(b >> 4) & 7] ?? '';
    if (type === '') throw corrupt(`the pack holds an object of unknown type at offset ${offset}`);
    let size = b & 0x0f;
    for (let shift = 4; b & 0x80; shift += 7) {
      b = byte();
      size += (b & 0x7f) * 2 ** shift;
      if (size > limits.objectBytes) throw limitHit('object-too-large', 'objectBytes', limits.objectBytes, `the pack's object at offset ${offset} declares more`);
    }
    const entry: Entry = { offset, dataAt: 0, crc: 0, type, size };
    if (type === 'ofs-delta') {
      b = byte();
      let back = b & 0x7f;
      while (b & 0x80) {
        b = byte();
        back = (back + 1) * 128 + (b & 0x7f);
      }
      entry.baseOffset = offset - back;
      if (back === 0 || entry.baseOffset < 12) throw corrupt(`the pack's delta at offset ${offset} points outside the pack`);
    } else if (type === 'ref-delta') {
      if (at + 20 > end) throw corrupt('the pack from the remote is truncated');
      entry.baseOid = pack.toString('hex', at, at + 20);
      at += 20;
    }
    entry.dataAt = at;
    const { data, consumed } = inflateAt(pack, entry);
    meter.add(size);
    at += consumed;
    entry.crc = crc32(pack.subarray(offset, at));
    if (entry.baseOffset === undefined && entry.baseOid === undefined) entry.oid = objectId(type, data);
    if (size <= KEEP_EACH && kept + size <= KEEP_BUDGET) {
      entry.data = data;
      kept += size;
    }
    entries.push(entry);
  }
  if (at !== end) throw corrupt('the pack from the remote has bytes after its last object');
  return entries;
}

/** An entry's inflated bytes: kept, or inflated again from the pack. */
function dataOf(pack: Buffer, entry: Entry): Buffer {
  return entry.data ?? inflateAt(pack, entry).data;
}

function inflateAt(pack: Buffer, entry: Entry): { data: Buffer; consumed: number } {
  const where = `the pack's object at offset ${entry.offset}`;
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // At most the declared size: a bomb's stream is cut there, not inflated to its end.
    // In a buffer of its own size: a kept small object must not hold a whole zlib chunk (inflate.ts).
    result = inflateSync(pack.subarray(entry.dataAt, pack.length - 20), { info: true, ...sizedInflate(entry.size) }) as unknown as typeof result;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw corrupt(`${where} inflates to more than the ${entry.size} bytes it declares`);
    throw corrupt(`${where} does not inflate: ${(error as Error).message}`);
  }
  if (result.buffer.length !== entry.size) throw corrupt(`${where} has the wrong size`);
  return { data: result.buffer, consumed: result.engine.bytesWritten };
}

/**
 * Applies a git delta: copy ranges of the base and insert literal bytes. The result size it
 * claims is checked against the limit before anything is allocated, every range against the
 * buffers it names.
 */
export function applyDelta(base: Buffer, delta: Buffer, limits: PackLimits, offset: number): Buffer {
  const bad = (why: string) => corrupt(`the pack's delta at offset ${offset} ${why}`);
  let at = 0;
  const varint = () => {
    let value = 0;
    let byte: number;
    let shift = 0;
    do {
      if (at >= delta.length || shift > 49) throw bad('is truncated');
      byte = delta[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  if (varint() !== base.length) throw bad('does not fit its base');
  const size = varint();
  if (size > limits.objectBytes) throw limitHit('object-too-large', 'objectBytes', limits.objectBytes, `the pack's delta at offset ${offset} builds an object larger`);
  const out = Buffer.allocUnsafe(size);
  let written = 0;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      let from = 0;
      let length = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) from += (delta[at++] ?? 0) * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (16 << bit)) length += (delta[at++] ?? 0) * 2 ** (8 * bit);
      if (length === 0) length = 0x10000;
      if (at > delta.length || from + length > base.length || written + length > size) throw bad('copies outside its base or result');
      written += base.copy(out, written, from, from + length);
    } else if (op > 0) {
      if (at + op > delta.length || written + op > size) throw bad('inserts past its end');
      written += delta.copy(out, written, at, at + op);
      at += op;
    } else {
      throw bad('has a reserved instruction');
    }
  }
  if (written !== size) throw bad('has the wrong result size');
  return out;
}

/** What the remote sent is not a valid pack: its fault, not our clone's. */
function corrupt(message: string): GitError {
  return new GitError(message, { code: 'pack-corrupt' });
}

function objectId(type: string, data: Buffer): string {
  return createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex');
}

/** Pack index version 2: fan-out, sorted ids, CRCs, 31-bit offsets, checksums. */
function packIndex(entries: readonly Entry[], packChecksum: Buffer): Buffer {
  const sorted = [...entries].sort((a, b) => (a.oid! < b.oid! ? -1 : 1));
  if (sorted.some((e) => e.offset >= 2 ** 31)) throw new GitError('packs over 2 GiB are not supported', { code: 'pack-too-large' });
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
