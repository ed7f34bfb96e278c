/**
 * Lists the files under some roots of a commit's tree, with each blob's size from its header:
 * nothing is inflated but trees, so a caller can refuse a file by size before reading it.
 */
import { TagpilotError } from '../problems/index.ts';
import type { ObjectReader } from './object-reader.ts';
import { parseTree, unsafeEntryProblem } from './tree-entries.ts';

export interface RepoFile {
  /** Repository-relative, POSIX separators. */
  path: string;
  oid: string;
  /** Bytes, from the blob's header. */
  size: number;
}

export interface FileListing {
  /** Sorted by path. */
  files: RepoFile[];
  /** Roots (as given) under which no accepted file was found. */
  unmatched: string[];
  /** Entries no checkout would write (`..`, `.git`, …) in the trees read: skipped (`unsafe-tree-entry`). */
  unsafe: TagpilotError[];
}

/** A tree or commit bigger than this is refused: 16 MiB is some 300,000 entries. */
export const MAX_TREE_BYTES = 16 * 1024 * 1024;
/** Folders followed below a root, at most. */
const MAX_DEPTH = 64;

/**
 * The regular files under `roots` ('' or '.' for everything) that `accept` takes, descending only
 * into trees that can hold a root or lie under one. Symlinks and submodules are skipped.
 */
export async function listFiles(reader: ObjectReader, commit: string, roots: readonly string[], accept: (path: string) => boolean): Promise<FileListing> {
  const wanted = roots.map(normaliseRoot);
  const tree = commitTree(commit, (await reader.read(commit, MAX_TREE_BYTES)).data);
  const files: RepoFile[] = [];
  const unsafe: TagpilotError[] = [];
  const visit = async (oid: string, prefix: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw new TagpilotError('tree-too-deep', `folders nested deeper than ${MAX_DEPTH} under "${prefix}"`);
    const { type, data } = await reader.read(oid, MAX_TREE_BYTES);
    if (type !== 'tree') throw new TagpilotError('object-corrupt', `"${prefix}" is a ${type}, not a tree`);
    const tree = parseTree(data);
    for (const { line, reason } of tree.unsafe) unsafe.push(unsafeEntryProblem(prefix + line.path, commit, reason));
    for (const entry of tree.entries) {
      const path = prefix + entry.path;
      if (entry.type === 'tree') {
        if (wanted.some((root) => isWithin(path, root) || isWithin(root, path))) await visit(entry.oid, `${path}/`, depth + 1);
      } else if (entry.type === 'blob' && entry.mode !== '120000' && wanted.some((root) => isWithin(path, root)) && accept(path)) {
        files.push({ path, oid: entry.oid, size: (await reader.header(entry.oid)).size });
      }
    }
  };
  await visit(tree, '', 0);
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  const unmatched = roots.filter((_, i) => !files.some((file) => isWithin(file.path, wanted[i]!)));
  return { files, unmatched, unsafe };
}

function commitTree(commit: string, body: Buffer): string {
  const tree = /^tree ([0-9a-f]{40})\n/.exec(body.toString('latin1', 0, 46))?.[1];
  if (tree === undefined) throw new TagpilotError('object-corrupt', `commit ${commit.slice(0, 12)} names no tree`);
  return tree;
}

function normaliseRoot(root: string): string {
  const trimmed = root.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return trimmed === '.' ? '' : trimmed;
}

function isWithin(path: string, root: string): boolean {
  return root === '' || path === root || path.startsWith(`${root}/`);
}
