import git from 'isomorphic-git';
import fs from 'node:fs';
import type { TagpilotError } from '../problems/index.ts';
import { hashObject, treeBody, writeLooseObjects, type NewObject, type TreeLine } from './objects.ts';
import { readTreeEntries, unsafeEntryProblem } from './tree-entries.ts';
import { GitError } from './remote.ts';

/** Where to read and write objects; `cache` is isomorphic-git's pack cache, shared per repository. */
export interface ObjectStore {
  gitdir: string;
  cache: object;
}

export interface BlobFile {
  path: string;
  bytes: Uint8Array;
}

/** Where an unsafe tree entry is reported (`unsafe-tree-entry`, naming its path and the commit). */
export type ReportProblem = (problem: TagpilotError) => void;

/**
 * Reads the blobs under `roots` (repo-relative, '' for everything) from a commit's tree,
 * descending only into trees that can hold a root or lie under one. An entry no checkout would
 * write (`..`, `.git` in any case, a name with `/`, …) in a tree it reads is skipped and reported.
 */
export async function readFilesAt(store: ObjectStore, commit: string, roots: readonly string[], accept: (path: string) => boolean, report: ReportProblem = () => undefined): Promise<BlobFile[]> {
  const { tree } = await git.readCommit({ fs, ...store, oid: commit }).then((c) => c.commit);
  const wanted = roots.map(normaliseRoot);
  const files: BlobFile[] = [];
  const visit = async (oid: string, prefix: string): Promise<void> => {
    const { entries, unsafe } = await readTreeEntries(store, oid);
    for (const { line, reason } of unsafe) report(unsafeEntryProblem(prefix + line.path, commit, reason));
    await Promise.all(
      entries.map(async (entry) => {
        const path = prefix + entry.path;
        if (entry.type === 'tree') {
          if (wanted.some((root) => isWithin(path, root) || isWithin(root, path))) await visit(entry.oid, `${path}/`);
          return;
        }
        if (entry.type !== 'blob' || entry.mode === '120000') return;
        if (!wanted.some((root) => isWithin(path, root)) || !accept(path)) return;
        const { blob } = await git.readBlob({ fs, ...store, oid: entry.oid });
        files.push({ path, bytes: blob });
      }),
    );
  };
  await visit(tree, '');
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * Writes the changed blobs and the trees on their paths; returns the new root tree and the
 * objects written (what a push must send). Entries keep their modes (an executable stays
 * executable). Only existing regular files can change: a path that leaves the tree, names a
 * folder, a symlink or a submodule, or does not exist is refused, so a bad edit fails the commit
 * instead of writing somewhere unexpected. Same inputs, same oid.
 */
export async function writeChangedTree(store: ObjectStore, rootTree: string, changes: ReadonlyMap<string, Uint8Array>): Promise<{ tree: string; objects: NewObject[] }> {
  const objects: NewObject[] = [];
  const rewrite = async (treeOid: string, changed: Map<string, Uint8Array>, prefix: string): Promise<string> => {
    const { entries: tree, unsafe } = await readTreeEntries(store, treeOid);
    const byChild = new Map<string, Map<string, Uint8Array>>();
    for (const [path, bytes] of changed) {
      const slash = path.indexOf('/');
      const child = slash < 0 ? path : path.slice(0, slash);
      const rest = slash < 0 ? '' : path.slice(slash + 1);
      if (!byChild.has(child)) byChild.set(child, new Map());
      byChild.get(child)!.set(rest, bytes);
    }
    const entries = await Promise.all(
      tree.map(async (entry): Promise<TreeLine> => {
        const sub = byChild.get(entry.path);
        byChild.delete(entry.path);
        if (sub === undefined) return entry;
        const blob = sub.get('');
        if (blob !== undefined && (entry.type !== 'blob' || entry.mode === '120000')) throw refused(`cannot update "${prefix}${entry.path}": not a regular file`);
        if (blob === undefined && entry.type !== 'tree') throw refused(`cannot update "${prefix}${entry.path}/${[...sub.keys()][0]}": "${prefix}${entry.path}" is not a folder`);
        const oid = blob !== undefined ? add(hashObject('blob', Buffer.from(blob))) : await rewrite(entry.oid, sub, `${prefix}${entry.path}/`);
        return { ...entry, oid };
      }),
    );
    // Edits only touch existing files, so every change must have found its entry.
    const missing = [...byChild.keys()][0];
    if (missing !== undefined) throw refused(`cannot update "${prefix}${missing}": not in the tree`);
    // An unsafe entry beside an edited file stays exactly as the remote has it: never edited,
    // never dropped (that would delete someone's file), never created by us.
    return add(hashObject('tree', treeBody([...entries, ...unsafe.map((u) => u.line)])));
  };
  const add = (object: NewObject) => {
    objects.push(object);
    return object.oid;
  };
  for (const path of changes.keys()) checkPath(path);
  const tree = await rewrite(rootTree, new Map(changes), '');
  await writeLooseObjects(store.gitdir, objects);
  return { tree, objects };
}

/** A repo-relative path inside the tree: no absolute paths, `.`/`..`/empty segments or `.git`. */
export function checkPath(path: string): void {
  const segments = path.split('/');
  const bad = path.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git');
  if (bad) throw refused(`refusing to write ${JSON.stringify(path)}: not a path inside the repository`);
}

function normaliseRoot(root: string): string {
  const trimmed = root.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return trimmed === '.' ? '' : trimmed;
}

function isWithin(path: string, root: string): boolean {
  return root === '' || path === root || path.startsWith(`${root}/`);
}

function refused(message: string): GitError {
  return new GitError(message, { code: 'commit-refused' });
}
