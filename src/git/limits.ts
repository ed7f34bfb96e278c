import type { Code } from '../problems/index.ts';
import { GitError } from './remote.ts';

/**
 * What one Git server may make us hold or compute. Sized for manifest repositories (thousands of
 * small YAML files, a shallow clone of a few MB); a repository carrying big binaries may need
 * more, through `git.limits` in the config.
 */
export interface GitLimits {
  /** Bytes of one pack as received (the body of one fetch). */
  packBytes: number;
  /** Bytes of one object, as its header declares it and as a delta builds it. */
  objectBytes: number;
  /** Bytes of all the objects of one pack unpacked, deltas and their results included: the CPU one pack may cost. */
  unpackedBytes: number;
  /** Bytes of one ref advertisement. */
  advertisementBytes: number;
  /** Deltas on deltas: git itself never writes chains deeper than 4,095. */
  deltaDepth: number;
}

const MiB = 2 ** 20;

export const DEFAULT_GIT_LIMITS: GitLimits = {
  packBytes: 64 * MiB,
  objectBytes: 16 * MiB,
  unpackedBytes: 256 * MiB,
  advertisementBytes: 8 * MiB,
  deltaDepth: 4_095,
};

/** A push's answer holds a status line per ref and what hooks print: this is plenty. */
export const REPORT_BYTES = 4 * MiB;

/** Where each limit is set, for messages that tell the user what to raise. */
const SETTING: Record<keyof GitLimits, string | undefined> = {
  packBytes: 'git.limits.packBytes',
  objectBytes: 'git.limits.objectBytes',
  unpackedBytes: 'git.limits.unpackedBytes',
  advertisementBytes: 'git.limits.advertisementBytes',
  deltaDepth: undefined,
};

/** A bound the server made us hit: a coded error that names the limit and its value. */
export function limitHit(code: Code, limit: keyof GitLimits | 'reportBytes', value: number, what: string): GitError {
  const setting = limit === 'reportBytes' ? undefined : SETTING[limit];
  const shown = limit === 'deltaDepth' ? String(value) : bytesText(value);
  return new GitError(`${what} than the limit of ${shown}${setting === undefined ? '' : ` (${setting})`}`, { code, data: { limit, value } });
}

export function bytesText(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}
