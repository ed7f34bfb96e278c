import type { GitAuthor, LoggedCommit, PushTarget } from '../git/index.ts';
import type { TagpilotError } from '../problems/index.ts';
import type { TagLister } from '../registry/index.ts';

/**
 * What the cycle needs of the registries: one repository's tags, with what its policies need
 * (build time, digests, platforms), fresh past caches when asked, cancelled by a signal; a
 * failure throws a RegistryError with its code. The registry client is one; test/fakes has another.
 */
export type TagSource = TagLister;

/** A file of a commit's tree: path, blob id and size, known before anything is read. */
export interface ListedFile {
  path: string;
  oid: string;
  size: number;
}

/**
 * A commit's files, listed first and then read one at a time, so the cycle decides by size
 * before anything is inflated and never holds more than one file (memory bounded by design).
 */
export interface FileSource {
  /**
   * The files under `roots` (repo-relative) in `commit`'s tree that `accept` takes, in path order,
   * each with its size; the roots under which none was found; and the tree entries no checkout
   * would write, which are skipped (`unsafe-tree-entry`).
   */
  listFiles(commit: string, roots: readonly string[], accept: (path: string) => boolean): Promise<{ files: ListedFile[]; unmatched: string[]; unsafe?: readonly TagpilotError[] }>;
  /** One file's bytes; refused without inflating it (`object-too-large`) when over `maxBytes`. */
  readBlob(file: ListedFile, maxBytes: number): Promise<Uint8Array>;
}

/**
 * What the cycle needs of the Git repository it writes to: a clone kept in sync, its files, and
 * commits pushed as compare-and-swaps. GitRepo is one; test/fakes has an in-memory one.
 */
export interface RepositorySession extends FileSource {
  /** Where the repository is, without credentials, for messages. */
  readonly description: string;
  /** Brings the branches up to date; the heads of those the remote has (a missing one is absent). */
  fetch(branches: readonly string[], signal?: AbortSignal): Promise<ReadonlyMap<string, string>>;
  /** A commit on `parent` with the changed files (only existing ones, but for those in `create`), held locally until `push`; same inputs, same commit. */
  commit(parent: string, files: ReadonlyMap<string, Uint8Array>, message: string, author: GitAuthor, when: Date, options?: { create?: readonly string[] }): Promise<string>;
  /**
   * Moves `target.ref` from `target.expected` (undefined: creates it) to `commit`, never forcing.
   * Resolves only once the branch, read back, holds the commit (invariant 8), saying how that is
   * known; a branch that moved, or a remote that refused, rejects with PushRejected.
   */
  push(commit: string, target: PushTarget, signal?: AbortSignal): Promise<{ confirmedBy: 'report' | 'read-back' }>;
  /** A fetched commit read back: its parents, committer e-mail and message (who made a branch's head). */
  readCommitInfo(oid: string): Promise<{ parents: string[]; committerEmail: string; message: string }>;
  /**
   * The first-parent history of a fetched head, newest first, at most `max` commits (fewer when
   * the branch has fewer): what the revert rule reads. Git is the only state (invariant 1).
   */
  firstParents(head: string, max: number, signal?: AbortSignal): Promise<LoggedCommit[]>;
}
