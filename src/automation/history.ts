import type { LoggedCommit } from '../git/index.ts';
import { parseOperationTrailers, type OperationTrailer, type OperationVerb } from './operation-trailer.ts';
import { parseUpdateTrailers, type UpdateTrailer } from './trailers.ts';

export type { LoggedCommit };

/** One change the bot made, as `tagpilot history` shows it: its trailer, and where and when. */
export interface HistoryEntry extends UpdateTrailer {
  /** ISO 8601, UTC. */
  when: string;
  commit: string;
  author: string;
  /** The commit that reverted this one (`git revert`), while that revert stands. */
  revertedBy?: string;
}

export interface HistoryFilter {
  workload?: string;
  since?: Date;
}

const REVERTS = /^This reverts commit ([0-9a-f]{40})\b/m;

/**
 * The bot's changes, newest first: every commit carrying `Tagpilot-Update` trailers, one entry
 * per trailer. A `git revert` of a bot commit marks its entries reverted; reverting that revert
 * (git's "Reapply") makes them stand again. `commits` come newest first, as `git log` lists
 * them (graph order, not clock order: clocks skew).
 */
export function buildHistory(commits: readonly LoggedCommit[], filter: HistoryFilter = {}): HistoryEntry[] {
  const oldestFirst = [...commits].reverse();
  const revertOf = new Map<string, string>();
  const revertedBy = new Map<string, string>();
  for (const commit of oldestFirst) {
    const target = REVERTS.exec(commit.message)?.[1];
    if (target === undefined) continue;
    revertOf.set(commit.oid, target);
    const reapplied = revertOf.get(target);
    if (reapplied !== undefined && revertedBy.get(reapplied) === target) revertedBy.delete(reapplied);
    else revertedBy.set(target, commit.oid);
  }
  const entries: HistoryEntry[] = [];
  for (const commit of oldestFirst.reverse()) {
    if (filter.since !== undefined && commit.time * 1000 < filter.since.getTime()) continue;
    for (const trailer of parseUpdateTrailers(commit.message)) {
      if (filter.workload !== undefined && trailer.workload !== filter.workload) continue;
      const reverted = revertedBy.get(commit.oid);
      entries.push({ when: new Date(commit.time * 1000).toISOString(), commit: commit.oid, author: commit.author, ...trailer, ...(reverted === undefined ? {} : { revertedBy: reverted }) });
    }
  }
  return entries;
}

/** One operation a person made through tagpilot (`lock`, `release`, …), as `tagpilot history` shows it. */
export interface OperationEntry extends Omit<OperationTrailer, 'verb' | 'target' | 'slot'> {
  when: string;
  commit: string;
  author: string;
  operation: OperationVerb;
  /** The workload or file, as in update entries. */
  workload: string;
  container?: string;
}

/** Every `Tagpilot-Operation` trailer of `commits` (newest first), one entry each. */
export function buildOperations(commits: readonly LoggedCommit[], filter: HistoryFilter = {}): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const commit of commits) {
    if (filter.since !== undefined && commit.time * 1000 < filter.since.getTime()) continue;
    for (const { verb, target, slot, ...rest } of parseOperationTrailers(commit.message)) {
      if (filter.workload !== undefined && target !== filter.workload) continue;
      entries.push({ when: new Date(commit.time * 1000).toISOString(), commit: commit.oid, author: commit.author, operation: verb, workload: target, ...(slot === undefined ? {} : { container: slot }), ...rest });
    }
  }
  return entries;
}
