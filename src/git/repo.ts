import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import type { LoggedCommit } from '../automation/history.ts';
import { fetchBranch } from './clone.ts';
import { readLog } from './log.ts';
import { createTransport } from './connect.ts';
import { pushCommit } from './push.ts';
import { GitError, PushRejected, type GitAuthor, type GitRemote } from './remote.ts';
import type { Transport, TransportSession } from './transport.ts';
import { readFilesAt, writeChangedTree, type BlobFile, type ObjectStore } from './tree.ts';

/**
 * A persistent clone of one branch under the cache directory, without a working tree.
 * Deleting it is always safe: the next sync clones again.
 */
export class GitRepo {
  readonly remote: GitRemote;
  private readonly dir: string;
  private readonly store: ObjectStore;
  private readonly transport: Transport;
  /** The branch edits build on in this cycle: the push branch once it exists. */
  private base: string;

  private constructor(remote: GitRemote, dir: string) {
    this.remote = remote;
    this.dir = dir;
    this.store = { gitdir: join(dir, '.git'), cache: {} };
    this.transport = createTransport(remote);
    this.base = remote.branch;
  }

  static forRemote(cacheDir: string, remote: GitRemote): GitRepo {
    const key = createHash('sha256').update(`${remote.url}\0${remote.branch}`).digest('hex').slice(0, 16);
    return new GitRepo(remote, join(cacheDir, 'git', key));
  }

  /** Where commits go: the push branch, or the branch itself. */
  get target(): string {
    return this.remote.pushBranch ?? this.remote.branch;
  }

  /**
   * Clones on first use, fetches afterwards; returns the head to build on: the branch's, or,
   * with a push branch that already exists on the remote, the push branch's (so repeated cycles
   * stack fast-forward commits on it instead of rewriting it).
   */
  async sync(): Promise<string> {
    return this.session('fetch', async (session) => {
      const head = await fetchBranch({ store: this.store, dir: this.dir, url: this.transport.url, branch: this.remote.branch }, session);
      this.base = this.remote.branch;
      if (this.remote.pushBranch === undefined || this.remote.pushBranch === this.remote.branch) return head;
      const pushHead = await this.lsRemote(session, this.remote.pushBranch);
      if (pushHead === undefined) return head;
      this.base = this.remote.pushBranch;
      return fetchBranch({ store: this.store, dir: this.dir, url: this.transport.url, branch: this.remote.pushBranch }, session);
    });
  }

  readFiles(commit: string, roots: readonly string[], accept: (path: string) => boolean): Promise<BlobFile[]> {
    return readFilesAt(this.store, commit, roots, accept);
  }

  /** Writes a commit on top of `parent` with the changed files; no working tree is touched. */
  async commit(parent: string, changes: ReadonlyMap<string, Uint8Array>, message: string, author: GitAuthor, now = new Date()): Promise<string> {
    const { commit } = await git.readCommit({ fs, ...this.store, oid: parent });
    const tree = await writeChangedTree(this.store, commit.tree, changes);
    const who = { name: author.name, email: author.email, timestamp: Math.floor(now.getTime() / 1000), timezoneOffset: 0 };
    return git.writeCommit({ fs, gitdir: this.store.gitdir, commit: { tree, parent: [parent], author: who, committer: who, message } });
  }

  /**
   * Pushes `commit` (a child of the head `sync` returned) to the target branch, never forcing,
   * then reads the branch back: success means the remote holds our commit. A refusal is a lost
   * race when the branch moved meanwhile, otherwise the remote refused the commit itself.
   */
  async push(commit: string): Promise<void> {
    const { commit: parsed } = await git.readCommit({ fs, ...this.store, oid: commit });
    const parent = parsed.parent[0];
    const description = this.describe(this.target);
    await this.session('push', async (session) => {
      try {
        await pushCommit({ store: this.store, url: this.transport.url, branch: this.target, description }, session, commit);
      } catch (error) {
        if (!(error instanceof PushRejected) || error.lostRace) throw error;
        const now = await this.remoteHead();
        // A new push branch has no head yet; our parent then is the base branch's head.
        const expected = this.base === this.target ? parent : undefined;
        if (now !== expected) throw new PushRejected(`${error.message}; the branch moved to ${now?.slice(0, 12) ?? 'nothing'}`, true);
        throw error;
      }
    });
    const remoteHead = await this.remoteHead();
    if (remoteHead !== commit) throw new PushRejected(`push to ${description} reported success but the branch is at ${remoteHead?.slice(0, 12) ?? 'nothing'}`, true);
  }

  /**
   * The branch's commits, newest first, since `since` (or all of them): the shallow clone is
   * deepened just as far as needed first.
   */
  async log(since?: Date): Promise<LoggedCommit[]> {
    const branch = this.remote.branch;
    await this.sync();
    await this.session('fetch history', (session) =>
      git.fetch({ fs, http: session.http, ...this.store, url: this.transport.url, ref: branch, singleBranch: true, tags: false, ...(since === undefined ? { depth: 2 ** 31 - 1 } : { since }) }),
    );
    return readLog(this.store.gitdir, `refs/remotes/origin/${branch}`, since);
  }

  /** The target branch's head on the remote, read fresh. */
  async remoteHead(): Promise<string | undefined> {
    return this.session('ls-remote', (session) => this.lsRemote(session, this.target));
  }

  /** Releases pooled connections. */
  close(): Promise<void> {
    return this.transport.dispose();
  }

  private async lsRemote(session: TransportSession, branch: string): Promise<string | undefined> {
    const ref = `refs/heads/${branch}`;
    const refs = await git.listServerRefs({ http: session.http, url: this.transport.url, prefix: ref, protocolVersion: this.transport.lsRefsProtocol });
    return refs.find((r) => r.ref === ref)?.oid;
  }

  private describe(branch = this.remote.branch): string {
    return `${this.transport.description} (${branch})`;
  }

  /** Runs one git operation in its own transport session; errors name the remote, never a secret. */
  private async session<T>(what: string, action: (session: TransportSession) => Promise<T>): Promise<T> {
    const session = this.transport.open();
    try {
      return await action(session);
    } catch (error) {
      if (error instanceof GitError) throw error;
      throw new GitError(`git ${what} ${this.describe()}: ${(error as Error).message}`, { cause: error });
    } finally {
      await session.close();
    }
  }
}
