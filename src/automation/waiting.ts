/**
 * What waits behind a slot's policy pick: a newer tag that is still soaking (younger than the
 * minimum age), one outside the policy's range (a new major under `semver:^1`), one only in
 * another variant. Pure, from the slot's selection and tags; the other selections it makes
 * (without the minimum age, with any variant) run only when the selection's own rejections say
 * such a tag exists, so a settled slot costs nothing more.
 */
import type { ImageRef } from '../image/index.ts';
import type { ImageSlot } from '../manifests/index.ts';
import { compareVersions, coreAtLeast, hasRejection, parseVersion, rejectionsWith, selectTag, withFilters, type CurrentImage, type Policy, type Rejection, type Selection, type TagInfo, type Version } from '../policy/index.ts';
import { tagSourceRef, type KnownTags } from './update.ts';

export interface Waiting {
  /** The tag the policy would pick without its minimum age, and when it is old enough (RFC 3339, when its build time is known). */
  soaking?: { tag: string; minAge: string; until?: string };
  /** The newest version the policy's range (or relative level) leaves out. */
  outOfRange?: { tag: string; policy: string };
  /** The newest version the policy would take in any variant, when none of the slot's own is as new. */
  otherVariant?: { tag: string; detail: string };
}

/**
 * What waits first for a slot, given the selection its policy made (`selected` is the tag it keeps
 * or moves to): a soaking tag, else one out of range, else one of another variant. Only the first
 * is looked for, in the holds' order: a slot reports one hold, and the later looks cost more.
 */
export function waitingFor(policy: Policy, tags: readonly TagInfo[], current: CurrentImage, selection: Selection, now: Date): Waiting {
  const soaking = soakingTag(policy, tags, current, selection, now);
  if (soaking !== undefined) return { soaking };
  const held = selection.selected ?? current.tag;
  const floor = held === undefined ? null : parseVersion(held);
  if (floor === null) return {};
  const outside = newestOf(newerRejected(selection, 'outside-range', floor));
  if (outside !== undefined) return { outOfRange: { tag: outside.tag, policy: policy.source } };
  const other = otherVariantTag(policy, tags, current, selection, floor, now);
  return other === undefined ? {} : { otherVariant: other };
}

function soakingTag(policy: Policy, tags: readonly TagInfo[], current: CurrentImage, selection: Selection, now: Date): Waiting['soaking'] {
  const minAgeMs = policy.filters.minAgeMs;
  if (minAgeMs === undefined || !hasRejection(selection, 'too-young')) return undefined;
  const { minAgeMs: _, minAge: __, ...rest } = policy.filters;
  const unsoaked = selectTag(withFilters(policy, rest), tags, current, { now });
  if (!unsoaked.changed || unsoaked.selected === null || unsoaked.selected === selection.selected) return undefined;
  const minAge = policy.filters.minAge ?? `${minAgeMs} ms`;
  const created = tags.find((t) => t.tag === unsoaked.selected)?.created;
  return created === undefined ? { tag: unsoaked.selected, minAge } : { tag: unsoaked.selected, minAge, until: new Date(created.getTime() + minAgeMs).toISOString() };
}

/**
 * A version policy that keeps to the slot's variant, asked again with any variant, over only the
 * newer tags it turned down as another variant (and the current one): what the policy would take
 * but for the variant, if anything.
 */
function otherVariantTag(policy: Policy, tags: readonly TagInfo[], current: CurrentImage, selection: Selection, floor: Version, now: Date): Waiting['otherVariant'] {
  if (policy.kind !== 'semver' && policy.kind !== 'relative') return undefined;
  if (policy.compat.variant.kind === 'any') return undefined;
  const turnedDown = newerRejected(selection, 'other-variant', floor);
  if (turnedDown.length === 0) return undefined;
  const wanted = new Set([...turnedDown.map((r) => r.tag), ...(current.tag === undefined ? [] : [current.tag])]);
  const anyVariant = selectTag(
    { ...policy, compat: { ...policy.compat, variant: { kind: 'any' } } },
    tags.filter((t) => wanted.has(t.tag)),
    current,
    { now },
  );
  const picked = anyVariant.selected === null ? null : parseVersion(anyVariant.selected);
  if (anyVariant.selected === null || picked === null || compareVersions(picked, floor) <= 0) return undefined;
  const detail = turnedDown.find((r) => r.tag === anyVariant.selected)?.detail ?? turnedDown[0]?.detail ?? 'another variant';
  return { tag: anyVariant.selected, detail };
}

function newestOf(rejected: readonly Rejection[]): Rejection | undefined {
  let best: { rejection: Rejection; version: Version } | undefined;
  for (const rejection of rejected) {
    const version = parseVersion(rejection.tag)!;
    if (best === undefined || compareVersions(version, best.version) > 0) best = { rejection, version };
  }
  return best?.rejection;
}

/** The released versions turned down for `reason` that are newer than `floor` (only those rejections are made). */
function newerRejected(selection: Selection, reason: Rejection['reason'], floor: Version): Rejection[] {
  // Only a tag whose core is no lower than the floor's can be newer: the others' reasons are never worked out.
  return rejectionsWith(selection, reason, (tag) => coreAtLeast(tag, floor)).filter((r) => {
    const version = parseVersion(r.tag);
    return version !== null && version.prerelease.length === 0 && compareVersions(version, floor) > 0;
  });
}

/** Per tag list (one per repository and cycle), what waits by policy and current tag: slots of one image, policy and tag look once. */
export type WaitingMemo = WeakMap<readonly TagInfo[], Map<string, Waiting>>;

/**
 * What waits for one automated slot that stays (none when its tags are not known). A slot the
 * policy moves waits for nothing: only its lock, a freeze or a rejection can hold it.
 */
export function waitingForSlot(slot: ImageSlot, moving: boolean, selection: Selection | undefined, tagsFor: KnownTags, now: Date, memo?: WaitingMemo): Waiting {
  if (moving || slot.policy === undefined || selection === undefined) return {};
  let ref: ImageRef;
  try {
    ref = tagSourceRef(slot);
  } catch {
    return {};
  }
  const tags = tagsFor(ref);
  if (tags instanceof Error) return {};
  const f = slot.policy.filters;
  const key = [slot.policy.source, f.ignore.map((m) => m.source).join('\t'), f.minAgeMs ?? '', f.platforms.join(','), f.signature ?? '', `${ref.tag ?? ''}@${ref.digest ?? ''}`, selection.selected ?? ''].join('\n');
  const known = memo?.get(tags)?.get(key);
  if (known !== undefined) return known;
  const waiting = waitingFor(slot.policy, tags, { tag: ref.tag, digest: ref.digest }, selection, now);
  if (memo !== undefined) memo.set(tags, (memo.get(tags) ?? new Map<string, Waiting>()).set(key, waiting));
  return waiting;
}
