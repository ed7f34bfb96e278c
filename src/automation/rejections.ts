import { parseUpdateTrailers } from './trailers.ts';
import type { Change } from './types.ts';

/**
 * A slot as trailers name it: the workload (or the file, for slots outside one) and the
 * container (`-` when there is none). Issue 14's slot ids will replace this.
 */
export function slotKey(slot: { workload?: string; container?: string; file: string }): string {
  return `${slot.workload ?? slot.file} ${slot.container ?? '-'}`;
}

/** One tag a person turned down for one slot, and where they did it. */
export interface RejectedTag {
  slot: string;
  tag: string;
  /** Where the rejection came from (a closed pull request's address; later: a revert commit). */
  source: string;
}

/**
 * The (slot, tag) pairs the cycle's selection must not pick again. Today's source: pull requests
 * closed unmerged by a person; issue 14 adds revert-derived ones to the same set.
 */
export class RejectedTags {
  private readonly bySlot = new Map<string, Map<string, RejectedTag>>();

  constructor(rejections: Iterable<RejectedTag> = []) {
    for (const r of rejections) this.add(r);
  }

  add(rejection: RejectedTag): void {
    const tags = this.bySlot.get(rejection.slot) ?? new Map<string, RejectedTag>();
    if (!tags.has(rejection.tag)) tags.set(rejection.tag, rejection);
    this.bySlot.set(rejection.slot, tags);
  }

  get(slot: string, tag: string): RejectedTag | undefined {
    return this.bySlot.get(slot)?.get(tag);
  }

  get size(): number {
    let n = 0;
    for (const tags of this.bySlot.values()) n += tags.size;
    return n;
  }

  list(): RejectedTag[] {
    return [...this.bySlot.values()].flatMap((tags) => [...tags.values()]);
  }

  /**
   * The rejection a change would re-apply, if any: the slot is held at its tag while the policy's
   * pick is a rejected tag; a newer tag than the rejected one is a new pick and flows.
   */
  blocking(change: Change): RejectedTag | undefined {
    return this.get(slotKey(change), change.to.split('@')[0]!);
  }
}

/**
 * The tags a text carrying `Tagpilot-Update` trailers (a commit message, a pull request body) moved
 * slots to, as rejections from `source`. A pinned value (`1.2.0@sha256:…`) rejects its tag.
 */
export function rejectionsFrom(text: string, source: string): RejectedTag[] {
  return parseUpdateTrailers(text).map((t) => ({ slot: `${t.workload} ${t.container ?? '-'}`, tag: t.to.split('@')[0]!, source }));
}
