/**
 * Why a slot whose policy picked a new tag does not move: pure, given the slot, its change, the
 * rejections and the clock. Precedence: a lock (the slot is never even asked about), then a freeze
 * window, then a rejected tag (or, with `on-revert: lock`, any rejection of the slot). Minimum
 * age is part of the selection itself (`soaking`, shown by `plan --explain`).
 */
import type { ImageSlot } from '../manifests/index.ts';
import { activeFreeze, type FreezeWindow, type OnRevert } from '../policy/index.ts';
import type { Code } from '../problems/index.ts';
import { describeRejection, slotKey, type RejectedTags } from './rejections.ts';
import type { Change } from './types.ts';

/** One held slot: the reason (a problem code), and what waits. */
export interface Hold {
  code: Extract<Code, 'locked' | 'frozen' | 'tag-rejected'>;
  /** `file:line workload container`. */
  subject: string;
  file: string;
  line: number;
  /** The slot's key in trailers (`workload container`). */
  slot: string;
  current: string;
  /** The tag that waits; undefined for a locked slot (its registry is not asked). */
  candidate?: string;
  message: string;
  /** frozen: when the freeze ends (RFC 3339). */
  until?: string;
}

/** Freeze windows from one place: the workload's annotation, the repository's `.tagpilot.yaml`, the config. */
export interface FreezeSource {
  source: string;
  windows: readonly FreezeWindow[];
  /** Only slots in files under this path (a repository file's folder); undefined: all. */
  under?: string;
}

export interface HoldContext {
  rejected: RejectedTags;
  now: Date;
  freezes: readonly FreezeSource[];
  /** What a revert does where the slot does not say (the config's default): reject the tag, or hold the slot. */
  onRevert: OnRevert;
}

export function subjectOf(slot: ImageSlot): string {
  return `${slot.file}:${slot.line}${slot.workload === undefined ? '' : ` ${slot.workload}`}${slot.container === undefined ? '' : ` ${slot.container}`}`;
}

/** A locked slot's hold: who, why and since when. */
export function lockHold(slot: ImageSlot): Hold {
  const { by, reason, at } = slot.lock;
  const message = `locked${by === undefined ? '' : ` by ${by}`}${reason === undefined ? '' : `: ${reason}`}${at === undefined ? '' : ` (since ${at})`}`;
  return { code: 'locked', subject: subjectOf(slot), file: slot.file, line: slot.line, slot: slotKey(slot), current: slot.image, message };
}

/** The hold on a change the policy decided, if any. */
export function holdFor(slot: ImageSlot, change: Change, ctx: HoldContext): Hold | undefined {
  const base = { subject: subjectOf(slot), file: slot.file, line: slot.line, slot: slotKey(slot), current: change.from, candidate: change.to };
  const frozen = freezeOf(slot, ctx);
  if (frozen !== undefined) return { ...base, code: 'frozen', until: frozen.until.toISOString(), message: `${change.to} waits: frozen until ${frozen.until.toISOString()} (${frozen.window.text}, ${frozen.source})` };
  const blocking = ctx.rejected.blocking(change);
  if (blocking !== undefined) return { ...base, code: 'tag-rejected', message: `held at ${change.from}: ${describeRejection(blocking)}` };
  const onRevert = slot.onRevert ?? ctx.onRevert;
  const any = ctx.rejected.forSlot(slotKey(slot))[0];
  if (onRevert === 'lock' && any !== undefined) return { ...base, code: 'tag-rejected', message: `held at ${change.from} (on-revert: lock): ${describeRejection(any)}; unlock the slot to let ${change.to} through` };
  return undefined;
}

/** The freeze in force for a slot now, with its place; the one that ends last when several hold. */
export function freezeOf(slot: ImageSlot, ctx: Pick<HoldContext, 'now' | 'freezes'>): { until: Date; window: FreezeWindow; source: string } | undefined {
  const sources: FreezeSource[] = [...ctx.freezes.filter((f) => f.under === undefined || within(slot.file, f.under))];
  if (slot.freeze !== undefined) sources.push({ source: `tagpilot.io/freeze on ${slot.workload ?? slot.file}`, windows: slot.freeze });
  let found: { until: Date; window: FreezeWindow; source: string } | undefined;
  for (const s of sources) {
    const active = activeFreeze(s.windows, ctx.now);
    if (active !== undefined && (found === undefined || active.until > found.until)) found = { ...active, source: s.source };
  }
  return found;
}

function within(path: string, root: string): boolean {
  const r = root.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return r === '' || path === r || path.startsWith(`${r}/`);
}
