import fs from 'node:fs';
import git from 'isomorphic-git';
import { TagpilotError } from '../problems/index.ts';
import type { TreeLine } from './objects.ts';
import type { ObjectStore } from './tree.ts';

/** One entry of a tree object as stored: its name's exact bytes are kept for rewriting the tree. */
export interface TreeEntry extends TreeLine {
  type: 'tree' | 'blob' | 'commit';
  name: Buffer;
}

/** An entry no checkout would write, with why; it is never read, followed or created. */
export interface UnsafeEntry {
  /** The entry's mode, name bytes and oid, copied as they are when its tree is rewritten. */
  line: TreeLine & { name: Buffer };
  reason: string;
}

/** The problem an unsafe entry is reported as: its path (as text, quoted) and the commit. */
export function unsafeEntryProblem(path: string, commit: string, reason: string): TagpilotError {
  return new TagpilotError('unsafe-tree-entry', `tree entry ${JSON.stringify(path)} in commit ${commit.slice(0, 12)} skipped: ${reason} (git refuses to check it out; rename or remove it in the repository)`, { data: { path, commit, reason } });
}

export interface ParsedTree {
  entries: TreeEntry[];
  unsafe: UnsafeEntry[];
}

const TYPES: Record<string, TreeEntry['type']> = { '40000': 'tree', '100644': 'blob', '100755': 'blob', '100664': 'blob', '120000': 'blob', '160000': 'commit' };

/**
 * Reads a tree object with our own parser: isomorphic-git's throws on the whole tree when one
 * name is unsafe, so one crafted entry would make every folder above it unreadable. Here such
 * entries (names git refuses to check out, unknown modes, duplicates) come back apart, with
 * the reason; the rest of the tree reads as usual.
 */
export async function readTreeEntries(store: ObjectStore, oid: string): Promise<ParsedTree> {
  const { type, object } = await git.readObject({ fs, ...store, oid, format: 'content' });
  if (type !== 'tree') throw new Error(`${oid} is a ${type}, not a tree`);
  return parseTree(Buffer.from(object as Uint8Array));
}

export function parseTree(body: Buffer): ParsedTree {
  const entries: TreeEntry[] = [];
  const unsafe: UnsafeEntry[] = [];
  const seen = new Set<string>();
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const nul = space < 0 ? -1 : body.indexOf(0, space + 1);
    if (nul < 0 || nul + 21 > body.length) throw new TagpilotError('tree-corrupt', 'a tree object in the repository is malformed (truncated entry)');
    const mode = body.toString('latin1', at, space);
    const name = Buffer.from(body.subarray(space + 1, nul));
    const line = { mode, name, path: name.toString('utf8'), oid: body.toString('hex', nul + 1, nul + 21) };
    at = nul + 21;
    const reason = unsafeName(line.path) ?? (TYPES[mode] === undefined ? `an unknown mode ${JSON.stringify(mode)}` : seen.has(line.path) ? 'a name that appears twice in its folder' : undefined);
    seen.add(line.path);
    if (reason !== undefined) unsafe.push({ line, reason });
    else entries.push({ ...line, type: TYPES[mode]! });
  }
  return { entries, unsafe };
}

/**
 * Why git would refuse to check out an entry of this name (its `verify_path`, with the NTFS and
 * HFS+ protections git enables by default), or undefined for a name that is safe.
 */
export function unsafeName(name: string): string | undefined {
  if (name === '') return 'an empty name';
  if (name.includes('\0')) return 'a name holding a NUL byte';
  if (name.includes('/') || name.includes('\\')) return 'a name holding a path separator';
  if (name === '.' || name === '..') return 'a name that leaves its folder';
  // HFS+ ignores these code points, NTFS trailing dots and spaces and anything after a colon.
  const folded = name
    .replace(/[\u200C-\u200F\u202A-\u202E\u206A-\u206F\uFEFF]/g, '')
    .split(':')[0]!
    .toLowerCase()
    .replace(/[. ]+$/, '');
  if (folded === '.git' || /^git~[1-9]$/.test(folded)) return 'a name git reserves for the repository itself';
  return undefined;
}
