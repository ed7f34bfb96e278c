import { TagpilotError, type Code } from '../problems/index.ts';
import type { GitLimits } from './limits.ts';
import type { Timeouts } from './transport.ts';

export interface GitAuth {
  username: string;
  password: string;
}

export interface SshAuth {
  /** The deploy key text: OpenSSH or PEM; ed25519, ecdsa or rsa. */
  privateKey: string;
  passphrase?: string;
  /** known_hosts text listing the server's host key. */
  knownHosts: string;
}

export interface GitRemote {
  /** https://…, ssh://user@host[:port]/path or user@host:path. */
  url: string;
  /** The branch read (and written, unless `pushBranch` is set). */
  branch: string;
  /** Push here instead: a review branch; while it exists, edits build on its head. */
  pushBranch?: string;
  /** HTTPS: Basic credentials (a token goes in `password`). */
  auth?: GitAuth;
  /** HTTPS: extra trusted CA certificates (PEM). */
  ca?: string;
  ssh?: SshAuth;
  timeouts?: Timeouts;
  /** Bounds on what the server may send (defaults: `DEFAULT_GIT_LIMITS`). */
  limits?: Partial<GitLimits>;
}

export interface GitAuthor {
  name: string;
  email: string;
}

export type GitErrorOptions = ErrorOptions & { code?: Code; data?: Record<string, unknown> };

/**
 * A git operation failed: the remote, the transport or what the remote sent (code `git-failed`
 * unless more specific: `git-unreachable`, `git-protocol`, `git-remote-error`, …), or our cache
 * (`git-cache-damaged`, a GitCacheError). Only the latter is worth dropping the clone for.
 */
export class GitError extends TagpilotError {
  override name = 'GitError';

  constructor(message: string, options: GitErrorOptions = {}) {
    super(options.code ?? 'git-failed', message, options);
  }
}

/**
 * Our local clone is damaged (objects missing or unreadable, refs broken): it is only a cache
 * (invariant 1), so the repository drops it and clones again, once. Never thrown for anything
 * the remote sent: a truncated or corrupt reply is the remote's failure (`git-protocol`,
 * `pack-corrupt`).
 */
export class GitCacheError extends GitError {
  override name = 'GitCacheError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, code: 'git-cache-damaged' });
  }
}

/**
 * Runs a step on the local clone: whatever it throws that is not already a GitError means the
 * clone cannot be read or written, so it becomes a GitCacheError.
 */
export async function inCache<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof GitError) throw error;
    throw new GitCacheError(`local clone: cannot ${what}: ${storeError(error)}`, { cause: error });
  }
}

/** What went wrong in the clone; isomorphic-git's own words without its plea to report a bug. */
export function storeError(error: unknown): string {
  const data = (error as { data?: { message?: unknown } }).data;
  return typeof data?.message === 'string' ? data.message : (error as Error).message;
}

/**
 * A push the remote did not take. `lostRace` means the branch moved since we read it (retry on
 * the new head); otherwise the remote refused our commit itself (a hook, a protected branch).
 */
export class PushRejected extends GitError {
  override name = 'PushRejected';
  readonly lostRace: boolean;

  constructor(message: string, lostRace: boolean) {
    super(message, { code: lostRace ? 'push-race-lost' : 'push-rejected' });
    this.lostRace = lostRace;
  }
}
