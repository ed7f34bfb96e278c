import { formatImageRef, parseImageRef, repositoryName, type ImageRef } from '../image/ref.ts';
import type { Edit, ImageSlot } from '../manifests/types.ts';
import { selectTag } from '../policy/policy.ts';
import type { TagInfo } from '../policy/types.ts';
import type { Change, Problem } from './types.ts';

export interface SlotUpdate {
  edit: Edit;
  change: Change;
}

/** The tags known for a repository, or why they are not. */
export type TagSource = (ref: ImageRef) => TagInfo[] | Error;

/** Decides one automated slot: pure, given the tags. Returns an update, nothing, or a problem. */
export function decideSlot(slot: ImageSlot, tagsFor: TagSource): SlotUpdate | Problem | undefined {
  const subject = `${slot.file}:${slot.line}${slot.workload === undefined ? '' : ` ${slot.workload}`}`;
  if (slot.policy === undefined || slot.lock.locked) return undefined;
  let ref: ImageRef;
  try {
    ref = parseImageRef(slot.image);
  } catch (error) {
    return { subject, message: (error as Error).message };
  }
  if (ref.digest !== undefined) return { subject, message: `${slot.image}: pinned by digest; tag policies do not re-pin digests yet` };
  const tags = tagsFor(ref);
  if (tags instanceof Error) return { subject, message: tags.message };
  const selection = selectTag(slot.policy, tags, { tag: ref.tag, digest: ref.digest });
  if (!selection.changed || selection.selected === null) return undefined;
  const image = formatImageRef({ ...ref, tag: selection.selected, digest: selection.digest });
  return {
    edit: { slot, image },
    change: {
      file: slot.file,
      line: slot.line,
      kind: slot.kind,
      workload: slot.workload,
      container: slot.container,
      repository: repositoryName(ref),
      from: ref.tag ?? 'latest',
      to: selection.selected,
      policy: slot.policy.source,
    },
  };
}

export function isProblem(value: SlotUpdate | Problem | undefined): value is Problem {
  return value !== undefined && 'message' in value;
}
