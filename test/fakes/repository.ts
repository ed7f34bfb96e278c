import { createHash } from 'node:crypto';
import type { ListedFile, RepositorySession } from '../../src/automation/index.ts';
import { PushRejected, type GitAuthor, type PushTarget } from '../../src/git/index.ts';
import { throwIfCancelled } from '../../src/problems/index.ts';

interface Commit {
  parent: string | undefined;
  files: ReadonlyMap<string, Uint8Array>;
  message: string;
  author: string;
  when: Date;
}

/** What happens at the remote just before a push is applied: nothing, a human commit, or a refusal. */
export type BeforePush = (repo: InMemoryRepository, attempt: number) => { refuse: string } | undefined;

/**
 * A Git remote and our clone of it in one, in memory, for the cycle's fast tests. It keeps the
 * contract of the real one: a commit changes only existing files, commits are held until pushed,
 * a push is a compare-and-swap on the expected head (a moved branch is a lost race), and same
 * inputs give the same commit id.
 */
export class InMemoryRepository implements RepositorySession {
  readonly description = 'memory://fleet';
  /** Pushes that reached the remote, refused or not. */
  pushes = 0;
  fetches = 0;
  private readonly branches = new Map<string, string>();
  private readonly commits = new Map<string, Commit>();
  private readonly unpushed = new Set<string>();
  /** File contents by blob id, as Git keeps them. */
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly beforePush: BeforePush | undefined;

  constructor(files: Readonly<Record<string, string | Uint8Array>>, options: { branch?: string; beforePush?: BeforePush } = {}) {
    const root = this.store(undefined, toBytes(files), 'Initial manifests\n', 'Dev <dev@example.com>', new Date(0));
    this.branches.set(options.branch ?? 'main', root);
    this.beforePush = options.beforePush;
  }

  async fetch(branches: readonly string[], signal?: AbortSignal): Promise<ReadonlyMap<string, string>> {
    throwIfCancelled(signal, 'fetch');
    this.fetches++;
    this.unpushed.clear();
    return new Map(branches.flatMap((b) => (this.branches.has(b) ? [[b, this.branches.get(b)!] as const] : [])));
  }

  async listFiles(commit: string, roots: readonly string[], accept: (path: string) => boolean): Promise<{ files: ListedFile[]; unmatched: string[] }> {
    const under = roots.map((r) => r.replace(/^\.\/?/, '').replace(/\/+$/, ''));
    const within = (path: string, r: string) => r === '' || r === '.' || path === r || path.startsWith(`${r}/`);
    const files = [...this.get(commit).files].filter(([path]) => under.some((r) => within(path, r)) && accept(path));
    const listed = files.map(([path, bytes]) => ({ path, oid: this.blob(bytes), size: bytes.length })).sort((a, b) => (a.path < b.path ? -1 : 1));
    return { files: listed, unmatched: roots.filter((_, i) => !listed.some((f) => within(f.path, under[i]!))) };
  }

  async readBlob(file: ListedFile, maxBytes: number): Promise<Uint8Array> {
    const bytes = this.blobs.get(file.oid);
    if (bytes === undefined) throw new Error(`no blob ${file.oid}`);
    if (bytes.length > maxBytes) throw new Error(`${file.path}: ${bytes.length} bytes, over ${maxBytes}`);
    return bytes;
  }

  async commit(parent: string, files: ReadonlyMap<string, Uint8Array>, message: string, author: GitAuthor, when: Date, options: { create?: readonly string[] } = {}): Promise<string> {
    const tree = new Map(this.get(parent).files);
    for (const [path, bytes] of files) {
      if (!tree.has(path) && !options.create?.includes(path)) throw new Error(`cannot update "${path}": not in the tree`);
      tree.set(path, bytes);
    }
    const id = this.store(parent, tree, message, `${author.name} <${author.email}>`, when);
    this.unpushed.add(id);
    return id;
  }

  async push(commit: string, target: PushTarget, signal?: AbortSignal): Promise<{ confirmedBy: 'report' | 'read-back' }> {
    throwIfCancelled(signal, 'push');
    if (!this.unpushed.has(commit)) throw new Error(`push: ${commit} was not committed since the last fetch`);
    if (!target.ref.startsWith('refs/heads/')) throw new Error(`push: only branches here, not ${target.ref}`);
    const branch = target.ref.slice('refs/heads/'.length);
    this.pushes++;
    const verdict = this.beforePush?.(this, this.pushes);
    const now = this.branches.get(branch);
    if (now !== target.expected) throw new PushRejected(`push to ${this.description} (${branch}) rejected: the branch moved to ${now?.slice(0, 12) ?? 'nothing'}`, true);
    if (verdict !== undefined) throw new PushRejected(`push to ${this.description} (${branch}) refused by the remote: ${verdict.refuse}`, false);
    this.branches.set(branch, commit);
    this.unpushed.delete(commit);
    return { confirmedBy: 'report' };
  }

  async readCommitInfo(oid: string): Promise<{ parents: string[]; committerEmail: string; message: string }> {
    const commit = this.get(oid);
    return { parents: commit.parent === undefined ? [] : [commit.parent], committerEmail: /<([^>]*)>/.exec(commit.author)?.[1] ?? '', message: commit.message };
  }

  async firstParents(head: string, max: number): Promise<{ oid: string; message: string; author: string; time: number }[]> {
    const out = [];
    for (let id: string | undefined = head; id !== undefined && out.length < max; id = this.get(id).parent) {
      const commit = this.get(id);
      out.push({ oid: id, message: commit.message, author: commit.author, time: Math.floor(commit.when.getTime() / 1000) });
    }
    return out;
  }

  /** A person's commit straight on the remote branch. */
  humanCommit(files: Readonly<Record<string, string>>, message = 'Human change\n', branch = 'main'): string {
    const parent = this.head(branch);
    const tree = new Map(this.get(parent).files);
    for (const [path, bytes] of toBytes(files)) tree.set(path, bytes);
    const id = this.store(parent, tree, message, 'Dev <dev@example.com>', new Date(1_000));
    this.branches.set(branch, id);
    return id;
  }

  head(branch = 'main'): string {
    const head = this.branches.get(branch);
    if (head === undefined) throw new Error(`no branch ${branch}`);
    return head;
  }

  hasBranch(branch: string): boolean {
    return this.branches.has(branch);
  }

  /** The tree of a branch (or commit) as text, by path. */
  files(ref = 'main'): Record<string, string> {
    const commit = this.get(this.branches.get(ref) ?? ref);
    return Object.fromEntries([...commit.files].map(([path, bytes]) => [path, new TextDecoder().decode(bytes)]));
  }

  /** Commit messages from the head back, newest first. */
  log(branch = 'main'): { id: string; message: string; author: string }[] {
    const out = [];
    for (let id: string | undefined = this.branches.get(branch); id !== undefined; id = this.get(id).parent) out.push({ id, message: this.get(id).message, author: this.get(id).author });
    return out;
  }

  private get(id: string): Commit {
    const commit = this.commits.get(id);
    if (commit === undefined) throw new Error(`no commit ${id}`);
    return commit;
  }

  private blob(bytes: Uint8Array): string {
    const oid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    this.blobs.set(oid, bytes);
    return oid;
  }

  private store(parent: string | undefined, files: ReadonlyMap<string, Uint8Array>, message: string, author: string, when: Date): string {
    const hash = createHash('sha1').update(`${parent ?? ''}\0${message}\0${author}\0${when.toISOString()}\0`);
    for (const [path, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(`${path}\0`).update(bytes).update('\0');
    const id = hash.digest('hex');
    this.commits.set(id, { parent, files, message, author, when });
    return id;
  }
}

function toBytes(files: Readonly<Record<string, string | Uint8Array>>): Map<string, Uint8Array> {
  return new Map(Object.entries(files).map(([path, content]) => [path, typeof content === 'string' ? new TextEncoder().encode(content) : content]));
}
