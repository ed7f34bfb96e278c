import { formatImageRef, parseImageRef, repositoryName, type ImageRef } from '../image/index.ts';
import type { ImageEdit, ImageSlot } from '../manifests/index.ts';
import { selectTag, type CurrentImage, type Policy, type Selection, type TagInfo } from '../policy/index.ts';
import { problemFrom } from '../problems/index.ts';
import type { Change, Problem } from './types.ts';

export interface SlotUpdate {
  edit: ImageEdit;
  change: Change;
  /** The tag selected (the change's `to` without a pinned digest). */
  tag: string;
}

/** The tags known for a repository, or why they are not. */
export type KnownTags = (ref: ImageRef) => readonly TagInfo[] | Error;

/**
 * Decides one automated slot: pure, given the tags and the clock (minimum ages are measured
 * against `now`). Returns an update, nothing, or a problem; `explain` sees the selection.
 */
export function decideSlot(slot: ImageSlot, tagsFor: KnownTags, now: Date = new Date(), explain?: (selection: Selection) => void): SlotUpdate | Problem | undefined {
  const subject = `${slot.file}:${slot.line}${slot.workload === undefined ? '' : ` ${slot.workload}`}`;
  const where = { file: slot.file, line: slot.line };
  if (slot.policy === undefined || slot.lock.locked) return undefined;
  let ref: ImageRef;
  let source: ImageRef;
  try {
    ref = parseImageRef(slot.image);
    source = tagSourceRef(slot);
  } catch (error) {
    return problemFrom(error, subject, where);
  }
  const tags = tagsFor(source);
  if (tags instanceof Error) return problemFrom(tags, subject, where);
  const current = currentImage(slot, slot.policy, ref, tags);
  const selection = selectTag(slot.policy, tags, current, { now });
  explain?.(selection);
  if (selection.currentUnranked === true) return { subject, code: 'current-tag-unranked', ...where, message: `${slot.image}: held: ${selection.why ?? 'the current tag cannot be ranked'}. It is not in the registry's list (asked again) or has no build time; set the tag by hand, or allow downgrades` };
  // A marked name follows its policy's repository: a registry move is written even when the tag holds.
  const moving = slot.follows?.name === true && repositoryName(source) !== repositoryName(ref);
  if (selection.selected === null || (!selection.changed && !moving)) return undefined;
  const digest = pinFor(slot, ref, selection, tags);
  if (digest instanceof Error) return { code: 'digest-missing', subject, message: `${slot.image}: ${digest.message}`, ...where };
  const repository = moving ? { host: source.host, path: source.path } : { host: ref.host, path: ref.path };
  // A slot with no field for the tag (a digest marker alone) gets only the digest: the tag is written nowhere.
  const next: ImageRef = { ...repository, tag: holdsTag(slot) ? selection.selected : undefined, digest };
  const image = formatImageRef(next);
  if (image === slot.image) return undefined;
  return {
    tag: selection.selected,
    edit: { slot, image },
    change: {
      file: slot.file,
      line: slot.line,
      kind: slot.kind,
      workload: slot.workload,
      container: slot.container,
      repository: repositoryName(ref),
      from: fromVersion(slot, current),
      to: `${moving ? `${repositoryName(next)}:` : ''}${version(selection.selected, digest)}`,
      policy: slot.policy.source,
    },
  };
}

export function isProblem(value: SlotUpdate | Problem | undefined): value is Problem {
  return value !== undefined && 'message' in value;
}

/**
 * The repository a slot's tags come from, with the slot's current tag and digest: the one its
 * named policy follows (a Flux ImageRepository, `policies.*.image`), else the one its fields name.
 * Throws on a reference that does not parse.
 */
export function tagSourceRef(slot: ImageSlot): ImageRef {
  const own = parseImageRef(slot.image);
  if (slot.follows === undefined) return own;
  const followed = parseImageRef(slot.follows.repository);
  return { host: followed.host, path: followed.path, tag: own.tag, digest: own.digest };
}

/** Whether the slot keeps a digest: a pinned reference, or a digest field (whatever it holds now). */
export function pinsDigest(slot: ImageSlot, ref: ImageRef): boolean {
  return ref.digest !== undefined || slot.fields.some((f) => f.part === 'digest');
}

function holdsTag(slot: ImageSlot): boolean {
  return slot.fields.some((f) => f.part === 'ref' || f.part === 'tag');
}

/**
 * The slot's tag and digest. A slot holding only a digest has no tag of its own: its current tag
 * is the one the registry lists with that digest (the policy's pick when several are), and when
 * none is, any candidate is an improvement, as Flux writes the policy's latest image regardless.
 */
function currentImage(slot: ImageSlot, policy: Policy, ref: ImageRef, tags: readonly TagInfo[]): CurrentImage {
  if (holdsTag(slot) || ref.digest === undefined) return { tag: ref.tag, digest: ref.digest };
  const same = tags.filter((t) => t.digest === ref.digest);
  const tag = same.length > 1 ? (selectTag(policy, same).selected ?? same[0]?.tag) : same[0]?.tag;
  return { tag, digest: ref.digest };
}

/**
 * The digest to write with the new tag: the one a digest policy chose, or, for a slot that pins
 * one, the new tag's own (a pin is never dropped or left pointing at the old image).
 */
function pinFor(slot: ImageSlot, ref: ImageRef, selection: Selection, tags: readonly TagInfo[]): string | undefined | Error {
  if (selection.digest !== undefined) return selection.digest;
  if (!pinsDigest(slot, ref)) return undefined;
  const digest = tags.find((t) => t.tag === selection.selected)?.digest;
  return digest ?? new Error(`the registry gave no digest for ${selection.selected}, and the slot pins one`);
}

/** What the slot held, as the commit shows it: `1.2.3`, `1.2.3@sha256:…`, or a lone digest field's value. */
function fromVersion(slot: ImageSlot, current: CurrentImage): string {
  if (holdsTag(slot) || current.tag !== undefined) return version(current.tag ?? 'latest', current.digest);
  return slot.fields.find((f) => f.part === 'digest')?.value ?? 'latest';
}

function version(tag: string, digest: string | undefined): string {
  return digest === undefined ? tag : `${tag}@${digest}`;
}
