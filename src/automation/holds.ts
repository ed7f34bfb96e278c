/**
 * Why a slot does not move: pure, given the slot, its change (if the policy decided one), what
 * waits behind the policy's pick (waiting.ts), the rejections and the clock. One hold per slot,
 * the strongest that applies (HOLD_PRECEDENCE): a lock (the slot is never even asked about), a
 * freeze window over a candidate, a rejected tag (or, with `on-revert: lock`, any rejection of the
 * slot), a tag still soaking, a newer version outside the range, one only in another variant.
 */
import type { ImageSlot } from '../manifests/index.ts';
import { activeFreeze, type FreezeWindow, type OnRevert } from '../policy/index.ts';
import type { Code } from '../problems/index.ts';
import { describeRejection, slotKey, type RejectedTags } from './rejections.ts';
import { within } from './repo-settings.ts';
import { slotValue } from './revert-history.ts';
import type { Change } from './types.ts';
import type { Waiting } from './waiting.ts';

/** The hold codes, strongest first: a slot reports the first that applies (docs/operations.md#precedence-why-a-slot-is-held). */
export const HOLD_PRECEDENCE = ['locked', 'frozen', 'tag-rejected', 'soaking', 'out-of-range', 'other-variant'] as const satisfies readonly Code[];
export type HoldCode = (typeof HOLD_PRECEDENCE)[number];

/** One held slot: the reason (a problem code), and what waits. */
export interface Hold {
  code: HoldCode;
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
  /** The message without its time, where a place shows `until` apart (the status page); undefined: the message. */
  reason?: string;
  /** frozen: when the freeze ends; soaking: when the tag is old enough (RFC 3339). */
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
  /** What a revert does where neither the slot nor its repository says (the automation's default): reject the tag, or hold the slot. */
  onRevert: OnRevert;
  /** The repository's say (`onRevert` in a `.tagpilot.yaml`), for the slots under each file's folder. */
  repoOnRevert?: readonly { under: string; onRevert: OnRevert }[];
}

export function subjectOf(slot: ImageSlot): string {
  return `${slot.file}:${slot.line}${slot.workload === undefined ? '' : ` ${slot.workload}`}${slot.container === undefined ? '' : ` ${slot.container}`}`;
}

/** A locked slot's hold: who, why and since when. */
export function lockHold(slot: ImageSlot): Hold {
  const { by, reason, at } = slot.lock;
  const message = `locked${by === undefined ? '' : ` by ${by}`}${reason === undefined ? '' : `: ${reason}`}${at === undefined ? '' : ` (since ${at})`}`;
  return { code: 'locked', subject: subjectOf(slot), file: slot.file, line: slot.line, slot: slotKey(slot), current: slotValue(slot) ?? slot.image, message };
}

/**
 * The one hold on a slot, if any. A slot whose change no lock, freeze or rejection stops moves,
 * and is not held, whatever else waits behind its new tag.
 */
export function holdOf(slot: ImageSlot, change: Change | undefined, waiting: Waiting, ctx: HoldContext): Hold | undefined {
  if (slot.lock.locked) return lockHold(slot);
  const current = change?.from ?? slotValue(slot) ?? slot.image;
  const base = { subject: subjectOf(slot), file: slot.file, line: slot.line, slot: slotKey(slot), current };
  const candidate = change?.to ?? waiting.soaking?.tag;
  const frozen = candidate === undefined ? undefined : freezeOf(slot, ctx);
  if (candidate !== undefined && frozen !== undefined) return { ...base, code: 'frozen', candidate, until: frozen.until.toISOString(), message: `${candidate} waits: frozen until ${frozen.until.toISOString()} (${frozen.window.text}, ${frozen.source})` };
  if (change !== undefined) return rejectionHold(slot, change, ctx, base);
  if (waiting.soaking !== undefined) {
    const { tag, minAge, until } = waiting.soaking;
    const reason = `${tag} is younger than the minimum age (${minAge})`;
    return { ...base, code: 'soaking', candidate: tag, ...(until === undefined ? {} : { until, reason }), message: `${reason}${until === undefined ? '' : `: soaking until ${until}`}` };
  }
  if (waiting.outOfRange !== undefined) return { ...base, code: 'out-of-range', candidate: waiting.outOfRange.tag, message: `${waiting.outOfRange.tag} is out of range of ${waiting.outOfRange.policy}: widen the policy to take it` };
  if (waiting.otherVariant !== undefined) return { ...base, code: 'other-variant', candidate: waiting.otherVariant.tag, message: `${waiting.otherVariant.tag} is another variant (${waiting.otherVariant.detail}): the slot keeps to its own` };
  return undefined;
}

/** A change a person's rejection stops: the tag itself, or any rejection of a slot that holds on revert. */
function rejectionHold(slot: ImageSlot, change: Change, ctx: HoldContext, base: Omit<Hold, 'code' | 'message'>): Hold | undefined {
  const held = { ...base, code: 'tag-rejected' as const, candidate: change.to };
  const blocking = ctx.rejected.blocking(change);
  if (blocking !== undefined) return { ...held, message: `held at ${change.from}: ${describeRejection(blocking)}` };
  const onRevert = onRevertOf(slot, ctx);
  const any = ctx.rejected.forSlot(slotKey(slot))[0];
  if (onRevert === 'lock' && any !== undefined) return { ...held, message: `held at ${change.from} (on-revert: lock): ${describeRejection(any)}; unlock the slot to let ${change.to} through` };
  return undefined;
}

/** Who says what a revert does for a slot: its annotation, else its repository's `.tagpilot.yaml` (the nearest), else the automation (docs/operations.md). */
export function onRevertOf(slot: ImageSlot, ctx: Pick<HoldContext, 'onRevert' | 'repoOnRevert'>): OnRevert {
  if (slot.onRevert !== undefined) return slot.onRevert;
  const nearest = (ctx.repoOnRevert ?? []).filter((r) => within(slot.file, r.under)).sort((a, b) => b.under.length - a.under.length)[0];
  return nearest?.onRevert ?? ctx.onRevert;
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
