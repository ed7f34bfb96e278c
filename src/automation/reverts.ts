/**
 * Rollbacks that stick, derived from Git history alone (invariants 1 and 10): a pure fold over
 * the branch's first-parent commits, oldest first. What the cycle wrote is in its
 * `Tagpilot-Update` trailers; a slot moved away from the value tagpilot last wrote there — by a
 * `git revert` of a bot commit, a `release` or `rollback` (their `Tagpilot-Operation` trailers),
 * or any other commit (seen when the cycle's next trailer, or the slot as it is now, starts from
 * another value) — rejects that value for that slot. An `unlock` or `policy set` clears the slot.
 */
import { CLEARING_VERBS, parseOperationTrailers } from './operation-trailer.ts';
import { RejectedTags, targetKey, type RejectedTag } from './rejections.ts';
import { parseUpdateTrailers, type UpdateTrailer } from './trailers.ts';

/** A commit as the fold reads it (the git layer's LoggedCommit). */
export interface HistoryCommit {
  oid: string;
  /** `Name <email>`. */
  author: string;
  /** Commit time, seconds since the epoch. */
  time: number;
  message: string;
}

/** A rejection whose commit is not known yet: the slot moved somewhere after `after` (tagpilot's write) and by `before`. */
export interface Unattributed {
  slot: string;
  tag: string;
  after: string;
  /** Undefined: by the head. */
  before?: string;
}

export interface RevertFold {
  rejected: RejectedTags;
  /** Rejections made by a commit that is still to be found (a hand edit): see attribute. */
  unattributed: Unattributed[];
}

interface Written {
  tag: string;
  oid: string;
  index: number;
}

const REVERTS = /^This reverts commit ([0-9a-f]{40})\b/m;

/** The tag of a value as trailers write it (`1.2.0@sha256:…` → `1.2.0`). */
export function tagOf(value: string): string {
  return value.split('@')[0]!;
}

export function updateKey(t: Pick<UpdateTrailer, 'workload' | 'container'>): string {
  return `${t.workload} ${t.container ?? '-'}`;
}

/**
 * The rejections a history gives; pure. `newestFirst` is a first-parent walk from the head;
 * `current` holds each slot's value at the head, by slot key.
 */
export function foldReverts(newestFirst: readonly HistoryCommit[], current: ReadonlyMap<string, string>): RevertFold {
  const fold = new Fold();
  for (let i = newestFirst.length - 1; i >= 0; i--) fold.commit(newestFirst[i]!, newestFirst.length - 1 - i);
  fold.head(current, newestFirst.length);
  return fold.result();
}

class Fold {
  private readonly written = new Map<string, Written>();
  private readonly updates = new Map<string, UpdateTrailer[]>();
  private readonly rejected = new Map<string, Map<string, RejectedTag>>();
  /** The rejections each revert commit made: a revert of that revert (a reapply) takes them back. */
  private readonly byRevert = new Map<string, [string, string][]>();
  private readonly cleared = new Map<string, { ms: number; index: number }>();
  private readonly pending: Unattributed[] = [];

  commit(c: HistoryCommit, index: number): void {
    const by = { source: `commit ${c.oid}`, by: c.author, commit: c.oid, at: new Date(c.time * 1000).toISOString() };
    const reverted = REVERTS.exec(c.message)?.[1];
    if (reverted !== undefined) this.revert(c.oid, reverted, by);
    for (const op of parseOperationTrailers(c.message)) {
      const key = `${op.target} ${op.slot ?? '-'}`;
      if (CLEARING_VERBS.has(op.verb)) this.clear(key, c.time * 1000, index);
      else if (op.from !== undefined && op.to !== undefined) this.moved(key, op.from, op.to, by);
    }
    const trailers = parseUpdateTrailers(c.message);
    if (trailers.length > 0) this.updates.set(c.oid, trailers);
    for (const t of trailers) {
      const key = updateKey(t);
      this.changedBetween(key, tagOf(t.from), c.oid);
      this.written.set(key, { tag: tagOf(t.to), oid: c.oid, index });
    }
  }

  /** The slots as they are at the head: one that is not what tagpilot last wrote was moved by someone. */
  head(current: ReadonlyMap<string, string>, index: number): void {
    for (const [key, value] of current) this.changedBetween(key, tagOf(value), undefined, index);
  }

  result(): RevertFold {
    const cleared = [...this.cleared].map(([key, c]) => [key, c.ms] as const);
    return {
      rejected: new RejectedTags(
        [...this.rejected.values()].flatMap((tags) => [...tags.values()]),
        cleared,
      ),
      unattributed: this.pending,
    };
  }

  private revert(oid: string, target: string, by: Omit<RejectedTag, 'slot' | 'tag'>): void {
    const undone = this.byRevert.get(target);
    if (undone !== undefined) {
      // A reapply: the person takes their revert back, and what it rejected with it.
      for (const [slot, tag] of undone) this.rejected.get(slot)?.delete(tag);
      return;
    }
    for (const t of this.updates.get(target) ?? []) {
      const key = updateKey(t);
      // Only a revert of tagpilot's latest write to the slot moves it away from that write.
      if (this.written.get(key)?.oid !== target) continue;
      this.reject(key, tagOf(t.to), by);
      this.byRevert.set(oid, [...(this.byRevert.get(oid) ?? []), [key, tagOf(t.to)]]);
    }
  }

  /** A release or rollback from `from` to `to`: away from tagpilot's write, it rejects it. */
  private moved(key: string, from: string, to: string, by: Omit<RejectedTag, 'slot' | 'tag'>): void {
    const written = this.written.get(key);
    if (written === undefined || tagOf(from) !== written.tag || tagOf(to) === written.tag) return;
    this.reject(key, written.tag, by);
  }

  /** The slot holds `tag` at `before` (a commit, or the head): when that is not tagpilot's last write, someone moved it in between. */
  private changedBetween(key: string, tag: string, before: string | undefined, index?: number): void {
    const written = this.written.get(key);
    if (written === undefined || tag === written.tag || this.rejected.get(key)?.has(written.tag)) return;
    // Cleared in between: who moved it and when is unknown here, and the person who cleared the slot saw it as it was.
    if (this.clearedSince(key, written.index, index)) return;
    this.reject(key, written.tag, { source: `a commit after ${written.oid}` });
    this.pending.push({ slot: key, tag: written.tag, after: written.oid, ...(before === undefined ? {} : { before }) });
  }

  private clearedSince(key: string, index: number, until = Number.POSITIVE_INFINITY): boolean {
    return [key, targetKey(key)].some((k) => {
      const c = this.cleared.get(k);
      return c !== undefined && c.index > index && c.index < until;
    });
  }

  private clear(key: string, ms: number, index: number): void {
    this.cleared.set(key, { ms, index });
    const whole = key.endsWith(' -');
    for (const slot of [...this.rejected.keys()]) if (slot === key || (whole && targetKey(slot) === key)) this.rejected.delete(slot);
  }

  private reject(slot: string, tag: string, by: Omit<RejectedTag, 'slot' | 'tag'>): void {
    const tags = this.rejected.get(slot) ?? new Map<string, RejectedTag>();
    if (!tags.has(tag)) tags.set(tag, { slot, tag, ...by });
    this.rejected.set(slot, tags);
  }
}

/**
 * The value a slot held before its current one (what `rollback` goes back to): the latest
 * trailer, tagpilot's or an operation's, that set the slot to `current`; pure.
 */
export function previousValue(newestFirst: readonly HistoryCommit[], slot: string, current: string): { value: string; commit: string } | undefined {
  for (const c of newestFirst) {
    const moves = [...parseUpdateTrailers(c.message).map((t) => ({ key: updateKey(t), from: t.from, to: t.to })), ...parseOperationTrailers(c.message).flatMap((op) => (op.from === undefined || op.to === undefined ? [] : [{ key: `${op.target} ${op.slot ?? '-'}`, from: op.from, to: op.to }]))];
    const found = moves.find((m) => m.key === slot && tagOf(m.to) === tagOf(current) && tagOf(m.from) !== tagOf(current));
    if (found !== undefined) return { value: found.from, commit: c.oid };
  }
  return undefined;
}
