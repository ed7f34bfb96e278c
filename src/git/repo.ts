import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { fetchBranch } from './clone.ts';
import { fetchPack } from './fetch-pack.ts';
import { readFirstParents, readLog, type LoggedCommit } from './log.ts';
import { createTransport } from './connect.ts';
import { commitBody, hashObject, writeLooseObjects, type NewObject } from './objects.ts';
import { receivePack, ZERO_OID } from './push.ts';
import { CancelledError, errorCode, TagpilotError, throwIfCancelled } from '../problems/index.ts';
import { GitCacheError, GitError, inCache, PushRejected, storeError, type GitAuthor, type GitRemote } from './remote.ts';
import { pushTarget, type PushTarget } from './target.ts';
import { DEFAULT_GIT_LIMITS, type GitLimits } from './limits.ts';
import { runOperation } from './operation.ts';
import { DEFAULT_TIMEOUTS, type Transport, type TransportSession } from './transport.ts';
import { withSignatureHeader, type CommitSigner } from './sign/index.ts';
import { writeChangedTree, type ObjectStore } from './tree.ts';
import { listFiles, MAX_TREE_BYTES, type FileListing, type RepoFile } from './list-files.ts';
import { ObjectReader } from './object-reader.ts';

export interface RepoOptions {
  /** Packs the clone may gather (one per fetch) before it is dropped and cloned afresh. */
  maxPacks?: number;
  /** Signs every commit written (SSH or OpenPGP); unsigned without one. */
  signer?: CommitSigner;
  /** Waits before each read-back of a push whose answer was lost (default 0.25 s, then 1 s). */
  readBackWaitsMs?: readonly number[];
  /** Told when the local clone is found damaged and dropped to be cloned again (for the logs). */
  onDamagedClone?: (reason: string) => void;
}

/** How we know a push landed: the remote said so (and the branch agrees), or only the branch could tell. */
export interface PushOutcome {
  confirmedBy: 'report' | 'read-back';
}

/**
 * A persistent clone of one branch under the cache directory, without a working tree.
 * Deleting it is always safe: the next sync clones again.
 */
export class GitRepo {
  readonly remote: GitRemote;
  private readonly dir: string;
  private readonly store: ObjectStore;
  /** Reads objects at pack offsets, never a whole pack: what the cycle's file reads go through. */
  private readonly reader: ObjectReader;
  private readonly transport: Transport;
  /** Where `push` goes when no target is given: what the last `sync` chose. */
  private defaultTarget: PushTarget | undefined;
  /** The branches the last fetch brought: what a clone dropped for damage fetches again. */
  private fetched: readonly string[];
  /** Whether a read since the last fetch already dropped the clone for damage. */
  private healed = false;
  /** Commits written but not pushed yet: their parent and the objects a push must send. */
  private readonly unpushed = new Map<string, { parent: string; objects: NewObject[] }>();

  private readonly maxPacks: number;
  private readonly signer: CommitSigner | undefined;
  private readonly readBackWaitsMs: readonly number[];
  private readonly limits: GitLimits;
  private readonly deadlineMs: number;
  private readonly onDamagedClone: (reason: string) => void;

  private constructor(remote: GitRemote, dir: string, options: RepoOptions) {
    this.remote = remote;
    this.dir = dir;
    this.maxPacks = options.maxPacks ?? 50;
    this.signer = options.signer;
    this.readBackWaitsMs = options.readBackWaitsMs ?? [250, 1_000];
    this.limits = { ...DEFAULT_GIT_LIMITS, ...remote.limits };
    this.deadlineMs = remote.timeouts?.operationMs ?? DEFAULT_TIMEOUTS.operationMs;
    this.onDamagedClone = options.onDamagedClone ?? (() => undefined);
    this.fetched = [remote.branch];
    this.store = { gitdir: join(dir, '.git'), cache: {} };
    this.reader = new ObjectReader(this.store.gitdir);
    this.transport = createTransport(remote);
  }

  static forRemote(cacheDir: string, remote: GitRemote, options: RepoOptions = {}): GitRepo {
    const key = createHash('sha256').update(`${remote.url}\0${remote.branch}`).digest('hex').slice(0, 16);
    return new GitRepo(remote, join(cacheDir, 'git', key), options);
  }

  /** Where the repository is, without credentials, for messages. */
  get description(): string {
    return this.transport.description;
  }

  /** Where commits go: the push branch, or the branch itself. */
  get target(): string {
    return this.remote.pushBranch ?? this.remote.branch;
  }

  /**
   * Clones on first use, fetches afterwards; returns the head to build on: the branch's, or,
   * with a push branch that already exists on the remote, the push branch's (so repeated cycles
   * stack fast-forward commits on it instead of rewriting it). A later `push` without a target
   * goes where this chose.
   */
  async sync(signal?: AbortSignal): Promise<string> {
    const { branch, pushBranch } = this.remote;
    const heads = await this.fetch(pushBranch === undefined || pushBranch === branch ? [branch] : [branch, pushBranch], signal);
    const { base, target } = pushTarget(heads, branch, pushBranch, this.describe());
    this.defaultTarget = target;
    return base;
  }

  /**
   * Brings the named branches up to date (cloning on first use); returns the heads of those the
   * remote has. Only a damaged clone (a GitCacheError) is dropped and cloned again, once: a remote
   * that failed (a refused credential, a truncated reply) would fail a new clone too, at full cost.
   */
  async fetch(branches: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
    // Commits not pushed by now were built on an older head: they will never be pushed.
    this.unpushed.clear();
    // Every fetch adds a pack and every lookup scans them all; instead of repacking, start over
    // now and then: a shallow clone is one round trip.
    if (this.packCount() > this.maxPacks) await this.dropClone();
    this.fetched = branches;
    this.healed = false;
    try {
      return await this.named('fetch', () => this.fetchHeads(branches, signal), signal);
    } catch (error) {
      if (!(error instanceof GitCacheError) || !fs.existsSync(this.dir)) throw error;
      return this.reclone(error.message, signal);
    }
  }

  /** Drops a damaged clone, says so, and fetches the last fetch's branches into a new one. */
  private async reclone(reason: string, signal: AbortSignal | undefined): Promise<Map<string, string>> {
    this.onDamagedClone(reason);
    await this.dropClone();
    return this.named('fetch', () => this.fetchHeads(this.fetched, signal), signal);
  }

  /**
   * A read that finds the clone damaged (an object torn or lost, say by a process killed
   * mid-write, or a bad disk) drops it, clones again and reads once more: the clone is only a
   * cache. At most once per fetch: a damaged clone costs one clone, and an object the server sent
   * that our reader refuses (as unreadable in a fresh clone) no more than one a cycle. When the
   * branch moved meanwhile, the old head may be gone from the new clone: that read fails, and the
   * next cycle reads the new head.
   */
  private async healing<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (!isDamage(error) || this.healed) throw error;
      this.healed = true;
      await this.reclone(`local clone: cannot ${what}: ${storeError(error)}`, undefined);
      return read();
    }
  }

  /** Deletes the clone and forgets what isomorphic-git cached about its packs. */
  private async dropClone(): Promise<void> {
    await this.reader.close();
    await rm(this.dir, { recursive: true, force: true });
    this.forgetPacks();
  }

  /** isomorphic-git keeps every pack it read whole in memory: let it go once a step is done. */
  private forgetPacks(): void {
    const cache = this.store.cache as Record<string | symbol, unknown>;
    for (const key of Reflect.ownKeys(cache)) delete cache[key];
  }

  private packCount(): number {
    try {
      return fs.readdirSync(join(this.store.gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.idx')).length;
    } catch {
      return 0;
    }
  }

  /** One bounded operation fetching every branch; a head that cannot be read back locally is a damaged cache. */
  private fetchHeads(branches: readonly string[], signal: AbortSignal | undefined): Promise<Map<string, string>> {
    return this.operation(
      'fetch',
      async (session) => {
        const target = { store: this.store, dir: this.dir, url: this.transport.url, description: this.describe(), limits: this.limits, reader: this.reader };
        const heads = new Map<string, string>();
        for (const branch of branches) {
          const head = await fetchBranch({ ...target, branch }, session);
          if (head !== undefined) heads.set(branch, head);
        }
        // New packs arrived: the reader must see them (and forget any the clone lost). Each head
        // must be readable here, or every later step fails on a damaged cache.
        await inCache('read the pack indexes', () => this.reader.refresh());
        for (const [branch, head] of heads) {
          await inCache(`read ${branch}'s head`, async () => {
            if ((await this.reader.read(head, MAX_TREE_BYTES)).type !== 'commit') throw new Error(`${head.slice(0, 12)} is not a commit`);
          });
        }
        return heads;
      },
      signal,
    );
  }

  /**
   * The files under `roots` that `accept` takes, each with its size, and the roots that hold
   * none. Only trees are read: blobs are read one at a time with `readBlob`, so a caller decides
   * by size before anything is inflated and never holds more than one file.
   */
  listFiles(commit: string, roots: readonly string[], accept: (path: string) => boolean): Promise<FileListing> {
    return this.healing(`list ${commit.slice(0, 12)}`, () => listFiles(this.reader, commit, roots, accept));
  }

  /** One file's bytes; refused (`object-too-large`) without inflating when over `maxBytes`. */
  async readBlob(file: RepoFile, maxBytes: number): Promise<Uint8Array> {
    const { type, data } = await this.healing(`read ${file.path}`, () => this.reader.read(file.oid, maxBytes));
    if (type !== 'blob') throw new GitError(`${file.path}: ${file.oid.slice(0, 12)} is a ${type}, not a file`);
    return data;
  }

  /**
   * Writes a commit on top of `parent` with the changed files; no working tree is touched. The
   * new objects are kept for `push`, which sends exactly them.
   */
  async commit(parent: string, changes: ReadonlyMap<string, Uint8Array>, message: string, author: GitAuthor, now = new Date(), options: { create?: readonly string[] } = {}): Promise<string> {
    // isomorphic-git reads whole packs and checks their trailers, which the object reader does not: a pack cut at its end is found here.
    const { tree, objects } = await this.healing(`build on ${parent.slice(0, 12)}`, async () => {
      const { commit: parentCommit } = await git.readCommit({ fs, ...this.store, oid: parent });
      return writeChangedTree(this.store, parentCommit.tree, changes, new Set(options.create));
    });
    const who = { name: author.name, email: author.email, timestamp: Math.floor(now.getTime() / 1000) };
    const body = commitBody(tree, [parent], who, who, message);
    // The signature covers exactly these bytes; git verifies them with the header taken out.
    const commit = hashObject('commit', this.signer === undefined ? body : withSignatureHeader(body, await this.signer.sign(body)));
    await writeLooseObjects(this.store.gitdir, [commit]);
    this.unpushed.set(commit.oid, { parent, objects: [...objects, commit] });
    this.forgetPacks();
    return commit.oid;
  }

  /**
   * Pushes `commit` (a child of a head `fetch` returned) to `target` (without one, where the last
   * `sync` chose), a compare-and-swap on its expected head that never forces, then reads the
   * branch back: success means the remote holds our commit (invariant 8). A refusal is a lost
   * race when the branch moved meanwhile, otherwise the remote refused the commit itself. When the
   * connection fails instead (a 500, a reset, a timeout, maybe after the remote applied the push
   * and before its report reached us), the branch is read back on a new connection and says what
   * is true: ours (success), unchanged (failure), someone else's (a lost race), or, when it cannot
   * be read either, `push-unconfirmed`: neither success nor failure is claimed. AGit's
   * `refs/for/<branch>` is no ref the server keeps: its report is the answer.
   */
  async push(commit: string, target: PushTarget | undefined = this.defaultTarget, signal?: AbortSignal): Promise<PushOutcome> {
    const pending = this.unpushed.get(commit);
    if (pending === undefined) throw new GitError(`push: ${commit} was not committed by this repository object`, { code: 'internal' });
    if (target === undefined) throw new GitError('push: no target given and no sync chose one', { code: 'internal' });
    const branch = target.ref.startsWith('refs/heads/') ? target.ref.slice('refs/heads/'.length) : undefined;
    const { remoteHead, confirmedBy } = await this.send(commit, pending.objects, { ref: target.ref, old: target.expected ?? ZERO_OID, branch, pushOptions: target.pushOptions }, signal);
    this.unpushed.delete(commit);
    if (branch === undefined) return { confirmedBy };
    await git.writeRef({ fs, gitdir: this.store.gitdir, ref: target.ref, value: commit, force: true });
    if (remoteHead === commit) return { confirmedBy };
    // Someone may have pushed on top of ours already: that still holds our commit.
    if (remoteHead !== undefined && (await this.holds(remoteHead, commit, branch, signal))) return { confirmedBy };
    throw new PushRejected(`push to ${this.describe(branch)} ${confirmedBy === 'report' ? 'reported success' : 'failed'} but the branch is at ${remoteHead?.slice(0, 12) ?? 'nothing'}`, true);
  }

  /**
   * Sends the objects and the ref update; returns the branch head read back after it (our commit
   * for a ref the server does not keep). A refusal while the branch moved is a lost race. A failed
   * connection is settled by reading the branch back on a new one.
   */
  private async send(commit: string, objects: readonly NewObject[], update: { ref: string; old: string; branch: string | undefined; pushOptions?: readonly string[] }, signal: AbortSignal | undefined): Promise<{ remoteHead: string | undefined; confirmedBy: PushOutcome['confirmedBy'] }> {
    const { ref, old, branch } = update;
    const description = `${this.transport.description} (${branch ?? ref})`;
    try {
      // One session for the push and the read-back: over SSH, one connection instead of two.
      const remoteHead = await this.session(
        'push',
        async (session) => {
          try {
            await receivePack(session, this.transport.url, { ref, old, new: commit }, objects, description, update.pushOptions);
          } catch (error) {
            if (!(error instanceof PushRejected) || error.lostRace || branch === undefined) throw error;
            // Refused by receive-pack: a lost race if the branch moved meanwhile, else a hook.
            const now = (await this.lsRemote(session, branch)) ?? ZERO_OID;
            if (now !== old) throw new PushRejected(`${error.message}; the branch moved to ${now.slice(0, 12)}`, true);
            throw error;
          }
          return branch === undefined ? commit : this.lsRemote(session, branch);
        },
        signal,
      );
      return { remoteHead, confirmedBy: 'report' };
    } catch (error) {
      if (error instanceof PushRejected || error instanceof CancelledError) throw error;
      const remoteHead = await this.settle(error as GitError, branch);
      if ((remoteHead ?? ZERO_OID) === old) throw new GitError(`${(error as Error).message}; the branch is unchanged, so the push did not land`, { code: (error as GitError).code, cause: error });
      return { remoteHead, confirmedBy: 'read-back' };
    }
  }

  /** A branch's head after a push whose answer was lost; a few tries on fresh connections. */
  private async settle(failure: GitError, branch: string | undefined): Promise<string | undefined> {
    let last: Error | undefined;
    // A ref the server does not keep (AGit's refs/for/…) cannot be read back.
    for (const wait of branch === undefined ? [] : this.readBackWaitsMs) {
      await sleep(wait);
      try {
        return await this.session('ls-remote', (session) => this.lsRemote(session, branch!));
      } catch (error) {
        last = error as Error;
      }
    }
    const why = last === undefined ? 'it cannot be read back' : `reading the branch back failed too (${last.message})`;
    throw new GitError(`${failure.message}; ${why}: whether the push landed is unknown, the next cycle reads the branch again`, { code: 'push-unconfirmed', cause: failure });
  }

  /** A fetched commit's parents, committer e-mail and message. */
  async readCommitInfo(oid: string): Promise<{ parents: string[]; committerEmail: string; message: string }> {
    const { commit } = await this.healing(`read commit ${oid.slice(0, 12)}`, () => git.readCommit({ fs, ...this.store, oid }));
    return { parents: commit.parent, committerEmail: commit.committer.email, message: commit.message };
  }

  /** Whether `head` (fetched) descends from `commit`. */
  private async holds(head: string, commit: string, branch: string, signal: AbortSignal | undefined): Promise<boolean> {
    await this.session('fetch', (session) => fetchBranch({ store: this.store, dir: this.dir, url: this.transport.url, description: this.describe(), branch, limits: this.limits, reader: this.reader }, session), signal);
    return git.isDescendent({ fs, ...this.store, oid: head, ancestor: commit, depth: -1 }).catch(() => false);
  }

  /**
   * The branch's commits, newest first, since `since` (or all of them): the shallow clone is
   * deepened just as far as needed first.
   */
  async log(since?: Date): Promise<LoggedCommit[]> {
    const branch = this.remote.branch;
    await this.sync();
    await this.session('fetch history', (session) => fetchPack(session, { gitdir: this.store.gitdir, url: this.transport.url, ref: `refs/heads/${branch}`, haves: [], description: this.describe(), limits: this.limits, reader: this.reader, ...(since === undefined ? { depth: 2 ** 31 - 1 } : { since }) }));
    return readLog(this.store.gitdir, `refs/remotes/origin/${branch}`, since);
  }

  /**
   * The first-parent history of a fetched `head`, newest first, at most `max` commits: what the
   * revert rule reads. A shallow clone cut short is deepened to `max` once (one fetch, then later
   * fetches are incremental), so a deleted cache gives the same history after one deepening.
   */
  async firstParents(head: string, max: number, signal?: AbortSignal): Promise<LoggedCommit[]> {
    // A pack torn by a killed process is met here too: the clone is dropped and cloned again, as for every read.
    const read = () => this.named('read history', () => this.healing('read history', () => readFirstParents(this.store.gitdir, head, max, this.store.cache)), signal);
    const first = await read();
    if (!first.cut) return first.commits;
    // Deepen the branch whose head this is (the read branch, or a review branch built on it).
    const heads = await Promise.all([...new Set([this.remote.branch, this.target])].map(async (b) => ({ b, oid: await git.resolveRef({ fs, gitdir: this.store.gitdir, ref: `refs/remotes/origin/${b}` }).catch(() => undefined) })));
    const ref = (heads.find((h) => h.oid === head) ?? heads.find((h) => h.oid !== undefined))?.b;
    if (ref === undefined) return first.commits;
    await this.session('deepen history', (session) => fetchPack(session, { gitdir: this.store.gitdir, url: this.transport.url, ref: `refs/heads/${ref}`, haves: [], description: this.describe(), limits: this.limits, reader: this.reader, depth: max }), signal);
    await this.reader.refresh();
    this.forgetPacks();
    return (await read()).commits;
  }

  /** A branch's head on the remote, read fresh: how a caller checks what a push left. */
  async readBack(branch: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.session('ls-remote', (session) => this.lsRemote(session, branch), signal);
  }

  /** The target branch's head on the remote, read fresh. */
  async remoteHead(): Promise<string | undefined> {
    return this.readBack(this.target);
  }

  /** Releases pooled connections and open packs. */
  async close(): Promise<void> {
    await this.reader.close();
    await this.transport.dispose();
  }

  private async lsRemote(session: TransportSession, branch: string): Promise<string | undefined> {
    const ref = `refs/heads/${branch}`;
    try {
      const refs = await git.listServerRefs({ http: session.http, url: this.transport.url, prefix: ref, protocolVersion: this.transport.lsRefsProtocol });
      return refs.find((r) => r.ref === ref)?.oid;
    } catch (error) {
      if (error instanceof GitError || session.signal?.aborted) throw error;
      // isomorphic-git's own errors here are about what the remote answered.
      throw new GitError(`ls-remote ${this.describe(branch)}: ${(error as Error).message}`, { cause: error, code: 'git-remote-error' });
    }
  }

  private describe(branch = this.remote.branch): string {
    return `${this.transport.description} (${branch})`;
  }

  /** Runs one git operation in its own transport session; errors name the remote, never a secret. */
  private session<T>(what: string, action: (session: TransportSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.named(what, () => this.operation(what, action, signal), signal);
  }

  /**
   * Errors that are not ours yet (isomorphic-git's, the file system's) get the operation and the
   * remote; when the caller's `signal` fired, the operation ends as cancelled, whatever broke.
   */
  private async named<T>(what: string, action: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    throwIfCancelled(signal, `git ${what} ${this.describe()}`);
    try {
      return await action();
    } catch (error) {
      if (signal?.aborted) throw new CancelledError(`git ${what} ${this.describe()}`, { cause: error });
      if (error instanceof GitError) throw error;
      throw new GitError(`git ${what} ${this.describe()}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** One bounded operation (body sizes, deadline, the caller's signal); its errors come through as they are. */
  private operation<T>(what: string, action: (session: TransportSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return runOperation(this.transport, { limits: this.limits, deadlineMs: this.deadlineMs, what: `git ${what} ${this.describe()}`, signal }, action);
  }
}

/**
 * Whether a read from the clone failed because the clone is damaged: an object unreadable or
 * missing, a pack or index unreadable (the file system's or our reader's own errors). Not a
 * limit (`object-too-large`, `tree-too-deep`) or a file of the wrong kind: a new clone holds
 * those just the same.
 */
function isDamage(error: unknown): boolean {
  if (!(error instanceof TagpilotError)) return true;
  return DAMAGE_CODES.has(errorCode(error));
}

const DAMAGE_CODES: ReadonlySet<string> = new Set(['object-corrupt', 'object-missing', 'git-cache-damaged']);
