import { parseUpdateTrailers } from './trailers.ts';
import type { Change } from './types.ts';

/**
 * A slot as trailers name it: the workload (or the file, for slots outside one) and the slot's
 * name (the container, a kustomize image's name, a marker's path; `-` when there is none).
 */
export function slotKey(slot: { workload?: string; container?: string; file: string }): string {
  return `${slot.workload ?? slot.file} ${slot.container ?? '-'}`;
}

/** The key that stands for every slot of a target (`unlock WORKLOAD` without a container). */
export function targetKey(slot: string): string {
  return `${slot.slice(0, slot.lastIndexOf(' '))} -`;
}

/** One tag a person turned down for one slot, and where they did it. */
export interface RejectedTag {
  slot: string;
  tag: string;
  /** Where the rejection came from: a closed pull request's address, or `commit <oid>`. */
  source: string;
  /** Who: the commit's author (a revert, a hand edit, a release or rollback). */
  by?: string;
  commit?: string;
  /** RFC 3339. */
  at?: string;
}

/** "1.2.0 rejected by Ana <ana@example.com> in 3f2a1c9e0b7d on 2026-03-01", or by a pull request. */
export function describeRejection(r: RejectedTag): string {
  if (r.commit === undefined) return `${r.tag} rejected in ${r.source}`;
  return `${r.tag} rejected by ${r.by ?? 'someone'} in ${r.commit.slice(0, 12)}${r.at === undefined ? '' : ` on ${r.at.slice(0, 10)}`}`;
}

/**
 * The (slot, tag) pairs the cycle's selection must not pick again: derived from Git history
 * (reverts, hand edits, releases, rollbacks: see reverts.ts) and from pull requests people closed
 * unmerged. An `unlock` or `policy set` clears a slot's rejections up to its time; a pull request
 * closed before that (or at an unknown time) rejects nothing any more.
 */
export class RejectedTags {
  private readonly bySlot = new Map<string, Map<string, RejectedTag>>();
  /** When each slot's rejections were last cleared (ms), by slot key or target key. */
  private readonly cleared = new Map<string, number>();

  /** `rejections` stand as given (they were derived with the clears); later `add`s are checked against the clears. */
  constructor(rejections: Iterable<RejectedTag> = [], cleared: Iterable<readonly [string, number]> = []) {
    for (const [slot, at] of cleared) this.cleared.set(slot, at);
    for (const r of rejections) this.put(r);
  }

  /** A rejection from elsewhere (a closed pull request): dropped when its slot was cleared after it (or when it has no time). */
  add(rejection: RejectedTag): void {
    const clears = [this.cleared.get(rejection.slot), this.cleared.get(targetKey(rejection.slot))].filter((t): t is number => t !== undefined);
    const at = rejection.at === undefined ? Number.NEGATIVE_INFINITY : Date.parse(rejection.at);
    if (clears.length > 0 && at <= Math.max(...clears)) return;
    this.put(rejection);
  }

  private put(rejection: RejectedTag): void {
    const tags = this.bySlot.get(rejection.slot) ?? new Map<string, RejectedTag>();
    if (!tags.has(rejection.tag)) tags.set(rejection.tag, rejection);
    this.bySlot.set(rejection.slot, tags);
  }

  get(slot: string, tag: string): RejectedTag | undefined {
    return this.bySlot.get(slot)?.get(tag);
  }

  /** Every rejection of one slot, oldest first. */
  forSlot(slot: string): RejectedTag[] {
    return [...(this.bySlot.get(slot)?.values() ?? [])];
  }

  get size(): number {
    let n = 0;
    for (const tags of this.bySlot.values()) n += tags.size;
    return n;
  }

  list(): RejectedTag[] {
    return [...this.bySlot.values()].flatMap((tags) => [...tags.values()]);
  }

  /** The clears, for a copy that keeps them (the review flow adds its pull requests to one). */
  clears(): [string, number][] {
    return [...this.cleared];
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
