import git, { type TreeEntry } from 'isomorphic-git';
import fs from 'node:fs';

/** Where to read and write objects; `cache` is isomorphic-git's pack cache, shared per repository. */
export interface ObjectStore {
  gitdir: string;
  cache: object;
}

export interface BlobFile {
  path: string;
  bytes: Uint8Array;
}

/**
 * Reads the blobs under `roots` (repo-relative, '' for everything) from a commit's tree,
 * descending only into trees that can hold a root or lie under one.
 */
export async function readFilesAt(store: ObjectStore, commit: string, roots: readonly string[], accept: (path: string) => boolean): Promise<BlobFile[]> {
  const { tree } = await git.readCommit({ fs, ...store, oid: commit }).then((c) => c.commit);
  const wanted = roots.map(normaliseRoot);
  const files: BlobFile[] = [];
  const visit = async (oid: string, prefix: string): Promise<void> => {
    const { tree: entries } = await git.readTree({ fs, ...store, oid });
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

/** Writes the changed blobs and the trees on their paths; returns the new root tree. */
export async function writeChangedTree(store: ObjectStore, rootTree: string, changes: ReadonlyMap<string, Uint8Array>): Promise<string> {
  const rewrite = async (treeOid: string, changed: Map<string, Uint8Array>): Promise<string> => {
    const { tree } = await git.readTree({ fs, ...store, oid: treeOid });
    const byChild = new Map<string, Map<string, Uint8Array>>();
    for (const [path, bytes] of changed) {
      const slash = path.indexOf('/');
      const child = slash < 0 ? path : path.slice(0, slash);
      const rest = slash < 0 ? '' : path.slice(slash + 1);
      if (!byChild.has(child)) byChild.set(child, new Map());
      byChild.get(child)!.set(rest, bytes);
    }
    const entries: TreeEntry[] = [];
    for (const entry of tree) {
      const sub = byChild.get(entry.path);
      if (sub === undefined) {
        entries.push(entry);
        continue;
      }
      const blob = sub.get('');
      const oid = blob !== undefined ? await git.writeBlob({ fs, gitdir: store.gitdir, blob }) : await rewrite(entry.oid, sub);
      entries.push({ ...entry, oid });
      byChild.delete(entry.path);
    }
    // Edits only touch existing files, so every change must have found its entry.
    const missing = [...byChild.keys()][0];
    if (missing !== undefined) throw new Error(`cannot update "${missing}": not in the tree`);
    return git.writeTree({ fs, gitdir: store.gitdir, tree: entries });
  };
  return rewrite(rootTree, new Map(changes));
}

function normaliseRoot(root: string): string {
  const trimmed = root.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return trimmed === '.' ? '' : trimmed;
}

function isWithin(path: string, root: string): boolean {
  return root === '' || path === root || path.startsWith(`${root}/`);
}
