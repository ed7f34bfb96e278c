/**
 * Reads objects from a clone's loose objects and packs without loading a pack into memory (as
 * isomorphic-git does): an object's type and size come from its header first, so a caller can
 * refuse an object before inflating it, and inflating never produces more than the size the
 * header declared. Packs are read at offsets through their `.idx` (version 2), with a bounded
 * number of them open (PackFiles) and one bounded cache of rebuilt objects for all of them, so
 * neither descriptors nor memory grow with the number of packs a clone gathers.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, inflateSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import { applyDelta } from './index-pack.ts';
import { sizedInflate } from './inflate.ts';
import { DEFAULT_GIT_LIMITS } from './limits.ts';
import { entryHeaderAt, type EntryHeader } from './pack-entry.ts';
import { PackFiles } from './pack-files.ts';
import { TagpilotError } from '../problems/index.ts';

const KINDS = ['commit', 'tree', 'blob', 'tag'] as const;
export type ObjectKind = (typeof KINDS)[number];

export interface ObjectHeader {
  type: ObjectKind;
  /** Inflated size in bytes, as the object (or, for a delta, its result) declares it. */
  size: number;
}

export interface GitObject {
  type: ObjectKind;
  data: Buffer;
}

/** An object bigger than the caller allows: never inflated. */
export class ObjectTooLarge extends TagpilotError {
  override name = 'ObjectTooLarge';
  constructor(oid: string, size: number, limit: number) {
    super('object-too-large', `object ${oid.slice(0, 12)} is ${size} bytes, over the ${limit} byte limit`, { data: { oid, size, limit } });
  }
}

/** Deltas followed to rebuild one object: git writes chains of 50 by default (`pack.depth`), 250 at most with old `gc --aggressive`. */
export const MAX_DELTA_CHAIN = 256;
/** A delta's base may be larger than its result, within reason: this many times the caller's limit. */
const BASE_FACTOR = 4;
/** Bytes read to find an entry's header (type, size, delta base). */
const HEADER_BYTES = 32;
/** Compressed bytes inflated at most to read a delta's result size, or a loose object's header. */
const PEEK_BYTES = 4096;
/** Inflated bytes kept of such a peek: both headers fit in far fewer. */
const PEEK_OUTPUT = 256;
/**
 * Objects rebuilt from the packs are kept, up to this many bytes for all of a clone's packs, as
 * bases for the next reads: git chains deltas 50 deep, and similar manifests share their chains,
 * so without it every read inflates some 25 entries again (git keeps such a cache too:
 * core.deltaBaseCacheSize).
 */
const BASE_CACHE_BYTES = 4 * 1024 * 1024;
/** Larger objects are rebuilt each time: a few of them would fill the cache. */
const BASE_CACHE_ENTRY_BYTES = 256 * 1024;

interface PackEntry extends Omit<EntryHeader, 'length'> {
  /** Where the compressed data starts and where the next entry starts. */
  dataStart: number;
  dataEnd: number;
}

/** Objects rebuilt at an offset of a pack (deltas resolved), the most recently used first; keyed `<pack id>:<offset>`. */
type RebuiltCache = LRUCache<string, Buffer>;

export class ObjectReader {
  private readonly gitdir: string;
  /** The packs whose index is read, by file name; undefined until the first lookup or after `close`. */
  private packs: Map<string, Pack> | undefined;
  /** The loose fan-out folders (`objects/xx`) there were at the last `refresh`: only in those is a loose file looked for. */
  private looseFolders: ReadonlySet<string> = new Set();
  private readonly files = new PackFiles();
  // Counted by the memory each entry keeps alive (its whole ArrayBuffer), so the bound is what is held.
  private readonly rebuilt: RebuiltCache = new LRUCache<string, Buffer>({ maxSize: BASE_CACHE_BYTES, maxEntrySize: BASE_CACHE_ENTRY_BYTES, sizeCalculation: (data) => Math.max(data.buffer.byteLength, 1) });
  private nextPackId = 0;

  constructor(gitdir: string) {
    this.gitdir = gitdir;
  }

  /** The object's type and size, inflating at most a few bytes. */
  async header(oid: string): Promise<ObjectHeader> {
    const at = await this.locate(oid);
    if ('pack' in at) return at.pack.header(at.offset, this, 0);
    const { type, size } = looseHeader(oid, at.loose);
    return { type, size };
  }

  /** The object, refused (ObjectTooLarge) without inflating when it declares more than `maxBytes`. */
  async read(oid: string, maxBytes: number): Promise<GitObject> {
    const at = await this.locate(oid);
    if (!('pack' in at)) return readLoose(oid, at.loose, maxBytes);
    const { pack, offset } = at;
    const header = await pack.header(offset, this, 0);
    if (header.size > maxBytes) throw new ObjectTooLarge(oid, header.size, maxBytes);
    const data = await pack.data(offset, this, maxBytes * BASE_FACTOR, 0);
    if (data.length !== header.size) throw corrupt(oid, 'its size differs from its header');
    // A copy: the pack's cache keeps its own, which a caller must not be able to change.
    return { type: header.type, data: Buffer.from(data) };
  }

  /**
   * @internal Where `oid` is: a loose file first (a loose copy wins over a packed one, so a torn
   * loose file is met and heals the clone), then the packs. A clone holds nearly everything packed,
   * so a loose file is only looked for in the fan-out folders the last `refresh` found; an object
   * found nowhere reads both lists again once (what makes objects written since visible).
   */
  async locate(oid: string): Promise<{ pack: Pack; offset: number } | { loose: Buffer }> {
    checkOid(oid);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0 || this.packs === undefined) await this.refresh();
      const loose = this.looseFolders.has(oid.slice(0, 2)) ? await this.looseFile(oid) : undefined;
      if (loose !== undefined) return { loose };
      for (const pack of this.packs?.values() ?? []) {
        const offset = pack.offsetOf(oid);
        if (offset !== undefined) return { pack, offset };
      }
    }
    throw new TagpilotError('object-missing', `object ${oid.slice(0, 12)} is not in the clone`, { data: { oid } });
  }

  /** Forgets the packs it knows, closes their descriptors and drops what it rebuilt: the clone was dropped. */
  async close(): Promise<void> {
    this.packs = undefined;
    this.looseFolders = new Set();
    this.files.closeAll();
    this.rebuilt.clear();
  }

  /**
   * Reads the clone's list of packs and of loose fan-out folders again (after a fetch): new packs
   * are added, those gone from the clone are forgotten and their descriptors closed; the others,
   * unchanged (a pack's name is its checksum), keep their index and rebuilt objects.
   */
  async refresh(): Promise<void> {
    const folders = await readdir(join(this.gitdir, 'objects')).catch(() => [] as string[]);
    this.looseFolders = new Set(folders.filter((name) => /^[0-9a-f]{2}$/.test(name)));
    const dir = join(this.gitdir, 'objects', 'pack');
    const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.idx')).sort();
    const known = this.packs ?? new Map<string, Pack>();
    for (const [name, pack] of known) if (!names.includes(name)) this.files.forget(pack.path);
    const packs = new Map<string, Pack>();
    for (const name of names) packs.set(name, known.get(name) ?? (await Pack.open(join(dir, name), this.nextPackId++, this.files, this.rebuilt)));
    this.packs = packs;
  }

  /** A loose object's file contents, or undefined. */
  private async looseFile(oid: string): Promise<Buffer | undefined> {
    const path = join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
    // Most objects of a clone are packed: asking first costs one access(2), where a failed open
    // costs an error with its stack on every read. A file removed in between is still ENOENT below.
    if (!existsSync(path)) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

/** One pack: its index in memory (24 bytes per object), the pack itself read at offsets through the clone's PackFiles. */
class Pack {
  /** The `.pack` file. */
  readonly path: string;
  private readonly size: number;
  private readonly id: number;
  private readonly oids: Buffer;
  private readonly offsets: Float64Array;
  /** Every entry's offset in order, then the end of the last entry: where each entry ends. */
  private readonly bounds: Float64Array;
  private readonly files: PackFiles;
  private readonly rebuilt: RebuiltCache;
  /**
   * Each entry's type (0 not yet known, else KINDS' index + 1) and size, by its place in
   * `bounds`, once read: a delta's come from down its chain (9 bytes per object).
   */
  private readonly types: Uint8Array;
  private readonly sizes: Float64Array;

  private constructor(where: { path: string; size: number; id: number }, index: { oids: Buffer; offsets: Float64Array; bounds: Float64Array }, files: PackFiles, rebuilt: RebuiltCache) {
    this.path = where.path;
    this.size = where.size;
    this.id = where.id;
    this.oids = index.oids;
    this.offsets = index.offsets;
    this.bounds = index.bounds;
    this.files = files;
    this.rebuilt = rebuilt;
    this.types = new Uint8Array(index.bounds.length);
    this.sizes = new Float64Array(index.bounds.length);
  }

  /** Reads the index; the pack itself is opened when first read (and may be closed and opened again). */
  static async open(idxPath: string, id: number, files: PackFiles, rebuilt: RebuiltCache): Promise<Pack> {
    const idx = await readFile(idxPath);
    const oidsAt = 8 + 256 * 4;
    // A process killed while writing leaves a torn index: refused as damage (the clone heals), never read past its end.
    if (idx.length < oidsAt + 40 || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) throw new TagpilotError('object-corrupt', `${idxPath}: not a whole version 2 pack index`, { data: { size: idx.length } });
    const count = idx.readUInt32BE(8 + 255 * 4);
    const offsetsAt = oidsAt + count * 20 + count * 4;
    const largeAt = offsetsAt + count * 4;
    if (idx.length < largeAt + 40) throw new TagpilotError('object-corrupt', `${idxPath}: ${idx.length} bytes, too short for its ${count} objects`, { data: { size: idx.length, count } });
    const offsets = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const small = idx.readUInt32BE(offsetsAt + i * 4);
      offsets[i] = small & 0x80000000 ? Number(idx.readBigUInt64BE(largeAt + (small & 0x7fffffff) * 8)) : small;
    }
    const path = idxPath.replace(/\.idx$/, '.pack');
    const { size } = await stat(path);
    const bounds = new Float64Array(count + 1);
    bounds.set(offsets);
    bounds[count] = size - 20;
    bounds.sort();
    return new Pack({ path, size, id }, { oids: Buffer.from(idx.subarray(oidsAt, oidsAt + count * 20)), offsets, bounds }, files, rebuilt);
  }

  /** Binary search over the sorted object ids. */
  offsetOf(oid: string): number | undefined {
    const wanted = Buffer.from(oid, 'hex');
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const cmp = this.oids.compare(wanted, 0, 20, mid * 20, mid * 20 + 20);
      if (cmp === 0) return this.offsets[mid];
      if (cmp > 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return undefined;
  }

  /** The entry's type and size (a delta's: of its result), looked up once per entry. */
  async header(offset: number, reader: ObjectReader, depth: number): Promise<ObjectHeader> {
    const at = this.placeOf(offset);
    const known = at === undefined ? undefined : KINDS[this.types[at]! - 1];
    if (known !== undefined) return { type: known, size: this.sizes[at!]! };
    const header = await this.readHeader(offset, reader, depth);
    if (at !== undefined) {
      this.types[at] = KINDS.indexOf(header.type) + 1;
      this.sizes[at] = header.size;
    }
    return header;
  }

  private async readHeader(offset: number, reader: ObjectReader, depth: number): Promise<ObjectHeader> {
    const entry = this.entry(offset);
    if (entry.type === 'ofs-delta' || entry.type === 'ref-delta') {
      if (depth >= MAX_DELTA_CHAIN) throw corruptAt(offset, `a delta chain longer than ${MAX_DELTA_CHAIN}`);
      const { type } = await this.baseHeader(entry, reader, depth);
      const start = inflatePrefix(this.readAt(entry.dataStart, Math.min(PEEK_BYTES, entry.dataEnd - entry.dataStart)));
      return { type, size: deltaSizesAt(offset, start).result };
    }
    if (entry.type === '') throw corruptAt(offset, 'an object of unknown type');
    return { type: entry.type, size: entry.size };
  }

  /** The object at `offset`, rebuilt through its deltas; nothing on the way may exceed `maxBytes`. */
  async data(offset: number, reader: ObjectReader, maxBytes: number, depth: number): Promise<Buffer> {
    const kept = this.rebuilt.get(`${this.id}:${offset}`);
    if (kept !== undefined) {
      if (kept.length > maxBytes) throw corruptAt(offset, `${kept.length} bytes, over the ${maxBytes} bytes a read may inflate`);
      return kept;
    }
    const data = ownBytes(await this.rebuild(offset, reader, maxBytes, depth));
    this.rebuilt.set(`${this.id}:${offset}`, data);
    return data;
  }

  private async rebuild(offset: number, reader: ObjectReader, maxBytes: number, depth: number): Promise<Buffer> {
    const entry = this.entry(offset);
    if (entry.size > maxBytes) throw corruptAt(offset, `${entry.size} bytes, over the ${maxBytes} bytes a read may inflate`);
    const own = this.inflate(entry, this.readAt(entry.dataStart, Math.min(entry.dataEnd - entry.dataStart, deflateBound(entry.size))));
    if (entry.type !== 'ofs-delta' && entry.type !== 'ref-delta') return own;
    if (depth >= MAX_DELTA_CHAIN) throw corruptAt(offset, `a delta chain longer than ${MAX_DELTA_CHAIN}`);
    if (deltaSizesAt(offset, own).result > maxBytes) throw corruptAt(offset, `a delta result over the ${maxBytes} bytes a read may inflate`);
    const base = entry.baseOffset !== undefined ? await this.data(entry.baseOffset, reader, maxBytes, depth + 1) : await baseByOid(reader, entry.baseOid!, maxBytes, depth + 1);
    return applyDelta(base, own, { ...DEFAULT_GIT_LIMITS, objectBytes: maxBytes }, offset);
  }

  /** The index in `bounds` of the entry that starts at `offset`; undefined when none does. */
  private placeOf(offset: number): number | undefined {
    let lo = 0;
    let hi = this.bounds.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bounds[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return this.bounds[lo] === offset ? lo : undefined;
  }

  private async baseHeader(entry: PackEntry, reader: ObjectReader, depth: number): Promise<ObjectHeader> {
    if (entry.baseOffset !== undefined) return this.header(entry.baseOffset, reader, depth + 1);
    const at = await reader.locate(entry.baseOid!);
    return 'pack' in at ? at.pack.header(at.offset, reader, depth + 1) : looseHeader(entry.baseOid!, at.loose);
  }

  private inflate(entry: PackEntry, compressed: Buffer): Buffer {
    try {
      const data = inflateSync(compressed, sizedInflate(entry.size));
      if (data.length !== entry.size) throw new Error('size differs from the header');
      return data;
    } catch (error) {
      throw corruptAt(entry.dataStart, `does not inflate to its declared ${entry.size} bytes (${(error as Error).message})`);
    }
  }

  private entry(offset: number): PackEntry {
    const header = entryHeaderAt(this.readAt(offset, HEADER_BYTES), 0, offset);
    const { length, ...entry } = header;
    if (entry.baseOffset !== undefined && (entry.baseOffset < 12 || entry.baseOffset >= offset)) throw corruptAt(offset, 'a delta base outside the pack');
    return { ...entry, dataStart: offset + length, dataEnd: this.nextBound(offset) };
  }

  /** The offset of the entry after the one at `offset`: its compressed data ends there. */
  private nextBound(offset: number): number {
    let lo = 0;
    let hi = this.bounds.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bounds[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return this.bounds[lo]!;
  }

  /**
   * Bytes of the pack at `position`, in a buffer reused by the next read: callers consume them
   * at once (inflate or parse) without awaiting anything in between.
   */
  private readAt(position: number, length: number): Buffer {
    return this.files.read(this.path, this.size, position, length);
  }
}

async function baseByOid(reader: ObjectReader, oid: string, maxBytes: number, depth: number): Promise<Buffer> {
  const at = await reader.locate(oid);
  return 'pack' in at ? at.pack.data(at.offset, reader, maxBytes, depth) : (await readLoose(oid, at.loose, maxBytes)).data;
}

/**
 * The bytes in a buffer of their own: an inflated object is a view into zlib's 64 KiB output (and
 * a small copy one into Node's 8 KiB pool), which it keeps alive whole. Kept in the cache as such
 * views, 1.5 KiB manifests held some 40 times their size (54 MiB for ten clones' caches of 4 MiB).
 */
export function ownBytes(data: Buffer): Buffer {
  if (data.byteOffset === 0 && data.buffer.byteLength === data.length) return data;
  const own = Buffer.allocUnsafeSlow(data.length);
  data.copy(own);
  return own;
}

/** `<type> <size>\0` from the first inflated bytes of a loose object. */
function looseHeader(oid: string, file: Buffer): ObjectHeader & { length: number } {
  const start = inflatePrefix(file.subarray(0, PEEK_BYTES));
  const nul = start.indexOf(0);
  const match = nul < 0 ? null : /^(commit|tree|blob|tag) (\d{1,15})$/.exec(start.toString('latin1', 0, nul));
  if (match === null) throw corrupt(oid, 'its loose header is unreadable');
  return { type: match[1] as ObjectKind, size: Number(match[2]), length: nul + 1 };
}

function readLoose(oid: string, file: Buffer, maxBytes: number): GitObject {
  const header = looseHeader(oid, file);
  if (header.size > maxBytes) throw new ObjectTooLarge(oid, header.size, maxBytes);
  let whole: Buffer;
  try {
    whole = inflateSync(file, sizedInflate(header.length + header.size));
  } catch (error) {
    throw corrupt(oid, `it does not inflate to its declared size (${(error as Error).message})`);
  }
  if (whole.length !== header.length + header.size) throw corrupt(oid, 'its size differs from its header');
  return { type: header.type, data: whole.subarray(header.length) };
}

/**
 * The first inflated bytes of a zlib stream, from as little of it as will do: 64 compressed
 * bytes, else 512, else 4096 (a deflate block's Huffman tables come first and can take a few
 * hundred). Output is at most ~1,000 times the input, so a peek stays small whatever the data.
 */
function inflatePrefix(compressed: Buffer): Buffer {
  let out = Buffer.alloc(0);
  for (const length of [64, 512, PEEK_BYTES]) {
    try {
      out = inflateSync(compressed.subarray(0, length), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return out;
    }
    if (out.length >= 32 || length >= compressed.length) break;
  }
  return out.subarray(0, PEEK_OUTPUT);
}

/** The most compressed bytes zlib writes for `size` bytes (stored blocks, header and checksum). */
function deflateBound(size: number): number {
  return size + Math.ceil(size / 16_000) * 5 + 64;
}

/** A delta starts with two varints: the base's size and the result's size. */
function deltaSizesAt(offset: number, delta: Buffer): { base: number; result: number } {
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; at < delta.length && shift < 64; shift += 7) {
      const byte = delta[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
    throw corruptAt(offset, 'a delta header is cut short');
  };
  return { base: varint(), result: varint() };
}

function checkOid(oid: string): void {
  if (!/^[0-9a-f]{40}$/.test(oid)) throw new TagpilotError('object-missing', `"${oid.slice(0, 50)}" is not an object id`);
}

function corrupt(oid: string, why: string): TagpilotError {
  return new TagpilotError('object-corrupt', `object ${oid.slice(0, 12)} in the clone is unusable: ${why}`, { data: { oid } });
}

function corruptAt(offset: number, why: string): TagpilotError {
  return new TagpilotError('object-corrupt', `pack entry at offset ${offset} is unusable: ${why}`, { data: { offset } });
}
