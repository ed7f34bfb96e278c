import type { Change } from './types.ts';

/**
 * The bot's commit message: a subject a human can scan in `git log --oneline`, one line per
 * change, and one machine-readable trailer per change (read back by `tagpilot history`).
 */
export function commitMessage(changes: readonly Change[]): string {
  const lines = changes.map((c) => `- ${c.file}:${c.line} ${who(c)}: ${c.repository} ${c.from} → ${c.to} (${c.policy})`);
  const trailers = changes.map((c) => `Tagpilot-Update: ${c.workload ?? c.file} ${c.container ?? '-'} ${c.repository} ${c.from} ${c.to}`);
  return `${subject(changes)}\n\n${lines.join('\n')}\n\n${trailers.join('\n')}\n`;
}

function subject(changes: readonly Change[]): string {
  const only = changes[0];
  if (changes.length === 1 && only !== undefined) return `tagpilot: ${only.workload ?? only.file} ${only.container ?? only.repository} ${only.from} → ${only.to}`;
  const workloads = new Set(changes.map((c) => c.workload ?? c.file));
  return `tagpilot: update ${changes.length} images in ${workloads.size} ${workloads.size === 1 ? 'workload' : 'workloads'}`;
}

function who(c: Change): string {
  if (c.workload === undefined) return c.kind;
  return c.container === undefined ? c.workload : `${c.workload} container ${c.container}`;
}
