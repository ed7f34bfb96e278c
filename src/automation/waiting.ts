/**
 * What waits behind a slot's policy pick: a newer tag that is still soaking (younger than the
 * minimum age), one outside the policy's range (a new major under `semver:^1`), one only in
 * another variant. Pure, from the slot's selection and tags; the other selections it makes
 * (without the minimum age, with any variant) run only when the selection's own rejections say
 * such a tag exists, so a settled slot costs nothing more.
 */
import type { ImageRef } from '../image/index.ts';
import type { ImageSlot } from '../manifests/index.ts';
import { compareVersions, parseVersion, selectTag, withFilters, type CurrentImage, type Policy, type Rejection, type Selection, type TagInfo, type Version } from '../policy/index.ts';
import { tagSourceRef, type KnownTags } from './update.ts';

export interface Waiting {
  /** The tag the policy would pick without its minimum age, and when it is old enough (RFC 3339, when its build time is known). */
  soaking?: { tag: string; minAge: string; until?: string };
  /** The newest version the policy's range (or relative level) leaves out. */
  outOfRange?: { tag: string; policy: string };
  /** The newest version the policy would take in any variant, when none of the slot's own is as new. */
  otherVariant?: { tag: string; detail: string };
}

/** What waits for a slot, given the selection its policy made (`selected` is the tag it keeps or moves to). */
export function waitingFor(policy: Policy, tags: readonly TagInfo[], current: CurrentImage, selection: Selection, now: Date): Waiting {
  const waiting: Waiting = {};
  const held = selection.selected ?? current.tag;
  const soaking = soakingTag(policy, tags, current, selection, now);
  if (soaking !== undefined) waiting.soaking = soaking;
  const floor = held === undefined ? null : parseVersion(held);
  if (floor === null) return waiting;
  const outside = newestRejected(selection.rejected, 'outside-range', floor);
  if (outside !== undefined) waiting.outOfRange = { tag: outside.tag, policy: policy.source };
  const other = otherVariantTag(policy, tags, current, selection, floor, now);
  if (other !== undefined) waiting.otherVariant = other;
  return waiting;
}

function soakingTag(policy: Policy, tags: readonly TagInfo[], current: CurrentImage, selection: Selection, now: Date): Waiting['soaking'] {
  const minAgeMs = policy.filters.minAgeMs;
  if (minAgeMs === undefined || !selection.rejected.some((r) => r.reason === 'too-young')) return undefined;
  const { minAgeMs: _, minAge: __, ...rest } = policy.filters;
  const unsoaked = selectTag(withFilters(policy, rest), tags, current, { now });
  if (!unsoaked.changed || unsoaked.selected === null || unsoaked.selected === selection.selected) return undefined;
  const minAge = policy.filters.minAge ?? `${minAgeMs} ms`;
  const created = tags.find((t) => t.tag === unsoaked.selected)?.created;
  return created === undefined ? { tag: unsoaked.selected, minAge } : { tag: unsoaked.selected, minAge, until: new Date(created.getTime() + minAgeMs).toISOString() };
}

/** A version policy that keeps to the slot's variant, asked again with any variant; only when a newer tag of another variant was turned down. */
function otherVariantTag(policy: Policy, tags: readonly TagInfo[], current: CurrentImage, selection: Selection, floor: Version, now: Date): Waiting['otherVariant'] {
  if (policy.kind !== 'semver' && policy.kind !== 'relative') return undefined;
  if (policy.compat.variant.kind === 'any') return undefined;
  const turnedDown = newestRejected(selection.rejected, 'other-variant', floor);
  if (turnedDown === undefined) return undefined;
  const anyVariant = selectTag({ ...policy, compat: { ...policy.compat, variant: { kind: 'any' } } }, tags, current, { now });
  const picked = anyVariant.selected === null ? null : parseVersion(anyVariant.selected);
  if (anyVariant.selected === null || picked === null || compareVersions(picked, floor) <= 0) return undefined;
  return { tag: anyVariant.selected, detail: turnedDown.detail ?? 'another variant' };
}

/** The newest released version turned down for `reason` that is newer than `floor`. */
function newestRejected(rejected: readonly Rejection[], reason: Rejection['reason'], floor: Version): Rejection | undefined {
  let best: { rejection: Rejection; version: Version } | undefined;
  for (const r of rejected) {
    if (r.reason !== reason) continue;
    const version = parseVersion(r.tag);
    if (version === null || version.prerelease.length > 0 || compareVersions(version, floor) <= 0) continue;
    if (best === undefined || compareVersions(version, best.version) > 0) best = { rejection: r, version };
  }
  return best?.rejection;
}

/** What waits for one automated slot after the cycle's selection (none when its tags are not known). */
export function waitingForSlot(slot: ImageSlot, selection: Selection | undefined, tagsFor: KnownTags, now: Date): Waiting {
  if (slot.policy === undefined || selection === undefined) return {};
  let ref: ImageRef;
  try {
    ref = tagSourceRef(slot);
  } catch {
    return {};
  }
  const tags = tagsFor(ref);
  return tags instanceof Error ? {} : waitingFor(slot.policy, tags, { tag: ref.tag, digest: ref.digest }, selection, now);
}
