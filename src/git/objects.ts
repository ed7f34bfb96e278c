import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

export type ObjectType = 'commit' | 'tree' | 'blob';

/** A git object we created: what a push has to send. */
export interface NewObject {
  type: ObjectType;
  oid: string;
  body: Buffer;
}

/** A tree entry as written: mode in git's text form (`100644`, `40000`), name, object id. */
export interface TreeLine {
  mode: string;
  path: string;
  oid: string;
  /** The name's exact bytes when read from a tree (a name need not be UTF-8); else `path`'s. */
  name?: Buffer;
}

export function hashObject(type: ObjectType, body: Buffer): NewObject {
  const header = Buffer.from(`${type} ${body.length}\0`);
  const oid = createHash('sha1').update(header).update(body).digest('hex');
  return { type, oid, body };
}

/**
 * A tree object's bytes. Entries are sorted as git sorts them (bytewise, a folder's name as if it
 * ended in `/`), so the same entries always give the same oid.
 */
export function treeBody(entries: readonly TreeLine[]): Buffer {
  const name = (e: TreeLine) => e.name ?? Buffer.from(e.path);
  const key = (e: TreeLine) => (isTree(e.mode) ? Buffer.concat([name(e), Buffer.from('/')]) : name(e));
  const sorted = [...entries].sort((a, b) => Buffer.compare(key(a), key(b)));
  return Buffer.concat(sorted.flatMap((e) => [Buffer.from(`${e.mode.replace(/^0+/, '')} `), name(e), Buffer.from([0]), Buffer.from(e.oid, 'hex')]));
}

function isTree(mode: string): boolean {
  return mode.replace(/^0+/, '') === '40000';
}

/**
 * Writes objects as loose files with Node's own zlib and SHA-1 (isomorphic-git's writer goes
 * through web streams per object: ten times slower for a hundred small files). Each is written
 * beside its place and renamed into it, as git does: a process killed mid-write leaves a temp
 * file, never a torn object, and a torn one left by an older writer is replaced whole.
 */
export async function writeLooseObjects(gitdir: string, objects: readonly NewObject[]): Promise<void> {
  const folders = new Set(objects.map((o) => o.oid.slice(0, 2)));
  await Promise.all([...folders].map((f) => mkdir(join(gitdir, 'objects', f), { recursive: true })));
  await Promise.all(objects.map((o) => writeAtomically(join(gitdir, 'objects', o.oid.slice(0, 2), o.oid.slice(2)), deflateSync(Buffer.concat([Buffer.from(`${o.type} ${o.body.length}\0`), o.body]), { level: 1 }))));
}

async function writeAtomically(path: string, bytes: Buffer): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** A commit object's bytes, in UTC. Angle brackets and newlines cannot break out of a signature. */
export function commitBody(tree: string, parents: readonly string[], author: Signature, committer: Signature, message: string): Buffer {
  const sign = (s: Signature) => `${clean(s.name)} <${clean(s.email)}> ${s.timestamp} +0000`;
  const headers = [`tree ${tree}`, ...parents.map((p) => `parent ${p}`), `author ${sign(author)}`, `committer ${sign(committer)}`];
  return Buffer.from(`${headers.join('\n')}\n\n${message}`);
}

function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this strips
  return text.replace(/[<>\u0000-\u001f]/g, '').trim();
}

const PACK_TYPES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3 };

/** A version 2 packfile holding `objects` whole (no deltas): what receive-pack takes. */
export function packObjects(objects: readonly NewObject[]): Buffer {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [header];
  for (const o of objects) parts.push(entryHeader(PACK_TYPES[o.type], o.body.length), deflateSync(o.body, { level: 1 }));
  const pack = Buffer.concat(parts);
  return Buffer.concat([pack, createHash('sha1').update(pack).digest()]);
}

/** Type and size: 3 bits of type and 4 of size, then 7 bits of size a byte, high bit = more. */
export function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}
