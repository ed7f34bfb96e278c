import { hashObject, treeBody, writeLooseObjects, type NewObject, type TreeLine } from './objects.ts';
import { readTreeEntries } from './tree-entries.ts';
import { GitError } from './remote.ts';

/** Where to read and write objects; `cache` is isomorphic-git's pack cache, shared per repository. */
export interface ObjectStore {
  gitdir: string;
  cache: object;
}

/**
 * Writes the changed blobs and the trees on their paths; returns the new root tree and the
 * objects written (what a push must send). Entries keep their modes (an executable stays
 * executable). Only existing regular files can change: a path that leaves the tree, names a
 * folder, a symlink or a submodule, or does not exist is refused, so a bad edit fails the commit
 * instead of writing somewhere unexpected. Same inputs, same oid.
 */
export async function writeChangedTree(store: ObjectStore, rootTree: string, changes: ReadonlyMap<string, Uint8Array>, create: ReadonlySet<string> = new Set()): Promise<{ tree: string; objects: NewObject[] }> {
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
    // Edits only touch existing files, so every change must have found its entry; a file the
    // caller asked to create (a repository's own settings file) is added, in an existing folder only.
    const added: TreeLine[] = [];
    for (const [child, sub] of byChild) {
      const blob = sub.get('');
      if (blob === undefined || sub.size > 1 || !create.has(`${prefix}${child}`)) throw refused(`cannot update "${prefix}${child}": not in the tree`);
      added.push({ mode: '100644', path: child, oid: add(hashObject('blob', Buffer.from(blob))) });
    }
    // An unsafe entry beside an edited file stays exactly as the remote has it: never edited,
    // never dropped (that would delete someone's file), never created by us.
    return add(hashObject('tree', treeBody([...entries, ...added, ...unsafe.map((u) => u.line)])));
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

function refused(message: string): GitError {
  return new GitError(message, { code: 'commit-refused' });
}
