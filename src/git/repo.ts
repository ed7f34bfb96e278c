import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import git, { Errors } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { GitError, PushRejected, safeUrl, type GitAuthor, type GitRemote } from './remote.ts';
import { readFilesAt, writeChangedTree, type BlobFile, type ObjectStore } from './tree.ts';

/**
 * A persistent clone of one branch under the cache directory, without a working tree.
 * Deleting it is always safe: the next sync clones again.
 */
export class GitRepo {
  readonly remote: GitRemote;
  private readonly dir: string;
  private readonly store: ObjectStore;

  private constructor(remote: GitRemote, dir: string) {
    this.remote = remote;
    this.dir = dir;
    this.store = { gitdir: join(dir, '.git'), cache: {} };
  }

  static forRemote(cacheDir: string, remote: GitRemote): GitRepo {
    const key = createHash('sha256').update(`${remote.url}\0${remote.branch}`).digest('hex').slice(0, 16);
    return new GitRepo(remote, join(cacheDir, 'git', key));
  }

  /** Clones on first use, fetches afterwards; returns the remote branch's head commit. */
  async sync(): Promise<string> {
    const exists = fs.existsSync(join(this.store.gitdir, 'HEAD'));
    await this.guard('fetch', async () => {
      if (exists) {
        await git.fetch({ fs, http, ...this.store, url: this.remote.url, ref: this.remote.branch, singleBranch: true, tags: false, onAuth: this.onAuth });
        return;
      }
      await git.clone({ fs, http, dir: this.dir, ...this.store, url: this.remote.url, ref: this.remote.branch, singleBranch: true, depth: 1, noCheckout: true, noTags: true, onAuth: this.onAuth });
    });
    return git.resolveRef({ fs, gitdir: this.store.gitdir, ref: `refs/remotes/origin/${this.remote.branch}` });
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
   * Pushes `commit` to the branch, never forcing, and reads the branch back: success means
   * the remote holds our commit.
   */
  async push(commit: string): Promise<void> {
    const ref = `refs/heads/${this.remote.branch}`;
    await git.writeRef({ fs, gitdir: this.store.gitdir, ref, value: commit, force: true });
    try {
      await git.push({ fs, http, ...this.store, url: this.remote.url, ref, remoteRef: ref, force: false, onAuth: this.onAuth });
    } catch (error) {
      if (error instanceof Errors.PushRejectedError) throw new PushRejected(`push to ${this.describe()} rejected: the branch moved`, true);
      if (error instanceof Errors.GitPushError) throw new PushRejected(`push to ${this.describe()} refused by the remote:${error.message.replace(/^.*?:/, '')}`, false);
      throw new GitError(`push to ${this.describe()} failed: ${(error as Error).message}`);
    }
    const remoteHead = await this.remoteHead();
    if (remoteHead !== commit) throw new PushRejected(`push to ${this.describe()} reported success but the branch is at ${remoteHead ?? 'nothing'}`, true);
  }

  async remoteHead(): Promise<string | undefined> {
    const refs = await this.guard('ls-remote', () =>
      git.listServerRefs({ http, url: this.remote.url, prefix: `refs/heads/${this.remote.branch}`, onAuth: this.onAuth }),
    );
    return refs.find((r) => r.ref === `refs/heads/${this.remote.branch}`)?.oid;
  }

  private readonly onAuth = () => this.remote.auth ?? { cancel: true };

  private describe(): string {
    return `${safeUrl(this.remote.url)} (${this.remote.branch})`;
  }

  private async guard<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof GitError) throw error;
      throw new GitError(`git ${what} ${this.describe()}: ${(error as Error).message}`, { cause: error });
    }
  }
}
