/** A bounded summary of why tags were not picked: per reason, how many and the highest few. */
import { compareNatural } from './natural.ts';
import type { RejectReason, Rejection } from './types.ts';

export interface ReasonSummary {
  reason: RejectReason;
  count: number;
  /** The highest tags in numeric-aware order, at most `examples` of them. */
  tags: string[];
}

/** Reasons in order of first appearance; never more than `examples` tags each, whatever the list size. */
export function summariseRejections(rejected: readonly Rejection[], examples = 3): ReasonSummary[] {
  const byReason = new Map<RejectReason, ReasonSummary>();
  for (const { tag, reason } of rejected) {
    let summary = byReason.get(reason);
    if (summary === undefined) byReason.set(reason, (summary = { reason, count: 0, tags: [] }));
    summary.count++;
    keepHighest(summary.tags, tag, examples);
  }
  return [...byReason.values()];
}

function keepHighest(tags: string[], tag: string, limit: number): void {
  if (limit <= 0) return;
  if (tags.length === limit && compareNatural(tag, tags[limit - 1] ?? '') <= 0) return;
  tags.push(tag);
  tags.sort((a, b) => compareNatural(b, a));
  if (tags.length > limit) tags.pop();
}
