import { formatImageRef, parseImageRef, repositoryName, type ImageRef } from '../image/index.ts';
import type { ImageEdit, ImageSlot } from '../manifests/index.ts';
import { selectTag, type Selection, type TagInfo } from '../policy/index.ts';
import { problemFrom } from '../problems/index.ts';
import type { Change, Problem } from './types.ts';

export interface SlotUpdate {
  edit: ImageEdit;
  change: Change;
  /** The tag selected (the change's `to` without a pinned digest). */
  tag: string;
}

/** The tags known for a repository, or why they are not. */
export type KnownTags = (ref: ImageRef) => TagInfo[] | Error;

/**
 * Decides one automated slot: pure, given the tags and the clock (minimum ages are measured
 * against `now`). Returns an update, nothing, or a problem; `explain` sees the selection.
 */
export function decideSlot(slot: ImageSlot, tagsFor: KnownTags, now: Date = new Date(), explain?: (selection: Selection) => void): SlotUpdate | Problem | undefined {
  const subject = `${slot.file}:${slot.line}${slot.workload === undefined ? '' : ` ${slot.workload}`}`;
  const where = { file: slot.file, line: slot.line };
  if (slot.policy === undefined || slot.lock.locked) return undefined;
  let ref: ImageRef;
  try {
    ref = parseImageRef(slot.image);
  } catch (error) {
    return problemFrom(error, subject, where);
  }
  const tags = tagsFor(ref);
  if (tags instanceof Error) return problemFrom(tags, subject, where);
  const selection = selectTag(slot.policy, tags, { tag: ref.tag, digest: ref.digest }, { now });
  explain?.(selection);
  if (selection.currentUnranked === true) return { subject, code: 'current-tag-unranked', ...where, message: `${slot.image}: held: ${selection.why ?? 'the current tag cannot be ranked'}. It is not in the registry's list (asked again) or has no build time; set the tag by hand, or allow downgrades` };
  if (!selection.changed || selection.selected === null) return undefined;
  const digest = pinFor(ref, selection, tags);
  if (digest instanceof Error) return { code: 'digest-missing', subject, message: `${slot.image}: ${digest.message}`, ...where };
  const next = { ...ref, tag: selection.selected, digest };
  const image = formatImageRef(next);
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
      from: version(ref),
      to: version(next),
      policy: slot.policy.source,
    },
  };
}

export function isProblem(value: SlotUpdate | Problem | undefined): value is Problem {
  return value !== undefined && 'message' in value;
}

/**
 * The digest to write with the new tag: the one a digest policy chose, or, for a slot pinned by
 * digest, the new tag's own (a pin is never dropped or left pointing at the old image).
 */
function pinFor(ref: ImageRef, selection: Selection, tags: readonly TagInfo[]): string | undefined | Error {
  if (selection.digest !== undefined) return selection.digest;
  if (ref.digest === undefined) return undefined;
  const digest = tags.find((t) => t.tag === selection.selected)?.digest;
  return digest ?? new Error(`the registry gave no digest for ${selection.selected}, and the slot pins one`);
}

/** A slot's value as the commit shows it: `1.2.3`, or `1.2.3@sha256:…` when pinned. */
function version(ref: ImageRef): string {
  const tag = ref.tag ?? 'latest';
  return ref.digest === undefined ? tag : `${tag}@${ref.digest}`;
}
