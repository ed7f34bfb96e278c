import type { Lock } from '../policy/index.ts';
import type { Notice, Problem } from '../problems/index.ts';
import type { Verified } from '../kube/index.ts';
import type { CliIo } from './io.ts';

export type { Verified };

/** How the CLI shows a lock: `locked by ana: incident 42 (since …)`, or `-`. */
export function lockText(lock: Lock): string {
  if (!lock.locked) return '-';
  const by = lock.by === undefined ? '' : ` by ${lock.by}`;
  const why = lock.reason === undefined ? '' : `: ${lock.reason}`;
  const at = lock.at === undefined ? '' : ` (since ${lock.at})`;
  return `locked${by}${why}${at}`;
}

/** Problems on stderr, one a line: `file[:line]: message`. */
export function writeProblems(io: CliIo, problems: readonly Problem[]): void {
  for (const p of problems) io.err.write(`${p.subject}: ${p.message}\n`);
}

/** A notice as one line: `note: file[:line]: message` (info) or `warning: …`; never a problem. */
export function noticeLine(n: Notice): string {
  return `${n.level === 'warn' ? 'warning' : 'note'}: ${n.subject}: ${n.message}\n`;
}

/** A commit's rollout verification, as `history --verified` shows it: `Tagpilot-Verified: Failed (ImagePullBackOff) at 2026-12-01T12:04:05Z`. */
export function formatVerified(v: Verified): string {
  return `Tagpilot-Verified: ${v.outcome}${v.reason === undefined ? '' : ` (${v.reason})`}${v.at === undefined ? '' : ` at ${v.at.replace(/\.\d{3}Z$/, 'Z')}`}`;
}
