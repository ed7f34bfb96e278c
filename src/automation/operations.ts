/**
 * Workload operations as commits: what `lock`, `unlock`, `automate`, `deautomate`, `policy set`,
 * `release` and `rollback` change, decided purely from the slots at the head (and, for a
 * rollback, the branch's history). Each gives byte-exact edits (annotations, images), one
 * `Tagpilot-Operation` trailer per slot or target, and a message that says who did what and why.
 */
import { formatImageRef, parseImageRef, repositoryName, type ImageRef } from '../image/index.ts';
import type { Edit, ImageSlot, ObjectSelector } from '../manifests/index.ts';
import { ANNOTATION_KEYS, lockKeys, parsePolicy } from '../policy/index.ts';
import { TagpilotError } from '../problems/index.ts';
import { formatOperationTrailer, type OperationTrailer, type OperationVerb } from './operation-trailer.ts';
import { oneLine } from './trailers.ts';
import { slotKey } from './rejections.ts';
import { previousValue, type HistoryCommit } from './reverts.ts';
import { slotValue } from './revert-history.ts';

interface Common {
  /** The workload (`namespace:kind/name`), or the file of slots outside a workload. */
  target: string;
  /** Who: `Name <email>` or a name. */
  by: string;
  /** RFC 3339. */
  at: string;
  reason?: string;
}

export type OperationRequest = Common &
  ({ verb: 'lock' | 'unlock'; slot?: string } | { verb: 'automate' | 'deautomate' } | { verb: 'policy-set'; slot: string; policy: string } | { verb: 'release'; slot?: string; image: string; lock: boolean; force?: boolean } | { verb: 'rollback' | 'auto-revert'; slot?: string; to?: string; lock: boolean });

export interface OperationPlan {
  edits: Edit[];
  /** Whole files written (a repository's `.tagpilot.yaml`), created when `create`. */
  writes?: { path: string; text: string; create: boolean }[];
  trailers: OperationTrailer[];
  /** One line per slot moved (release, rollback): `file:line slot: old -> new`. */
  lines: string[];
  message: string;
}

export function refused(message: string): TagpilotError {
  return new TagpilotError('operation-refused', message);
}

/** What the operation changes at this head; throws `operation-refused` when it cannot be made. */
export function planOperation(request: OperationRequest, slots: readonly ImageSlot[], history: readonly HistoryCommit[] = []): OperationPlan {
  const mine = slots.filter((s) => (s.workload ?? s.file) === request.target);
  if (mine.length === 0) throw refused(`no workload or file ${request.target} holds an image slot (ids look like shop:deployment/web; see tagpilot workloads)`);
  const base = { target: request.target, by: request.by, at: request.at, ...(request.reason === undefined ? {} : { reason: request.reason }) };
  const object = selector(mine[0]!);
  const file = mine[0]!.file;
  // A values file or a plain YAML file has no object metadata to hold an annotation: never invent one there.
  const annotatable = mine[0]!.workload !== undefined || mine[0]!.kind === 'kustomize';
  const annotate = (key: string, value: string | null): Edit => {
    if (!annotatable) throw refused(`${request.target} is not a Kubernetes object, so it has no annotations to write ${key} to: set it on the object that uses it${request.verb === 'release' || request.verb === 'rollback' ? ', or use --no-lock' : ''}`);
    return { kind: 'annotation', file, object, key, value };
  };
  switch (request.verb) {
    case 'lock':
    case 'unlock': {
      const slot = request.slot === undefined ? undefined : named(mine, request.slot, request.target).container;
      const keys = lockKeys(slot);
      const edits = request.verb === 'lock' ? [annotate(keys.locked, 'true'), annotate(keys.by, request.by), annotate(keys.reason, oneLine(request.reason ?? '')), annotate(keys.at, request.at)] : [keys.locked, keys.by, keys.reason, keys.at].map((k) => annotate(k, null));
      return finish(request.verb, edits, [{ ...base, verb: request.verb, ...(slot === undefined ? {} : { slot }) }], []);
    }
    case 'automate':
    case 'deautomate':
      return finish(request.verb, [annotate(ANNOTATION_KEYS.automated, request.verb === 'automate' ? 'true' : null)], [{ ...base, verb: request.verb }], []);
    case 'policy-set': {
      const slot = named(mine, request.slot, request.target).container!;
      try {
        parsePolicy(request.policy);
      } catch (error) {
        throw refused(`policy ${request.policy}: ${(error as Error).message}`);
      }
      return finish('policy-set', [annotate(ANNOTATION_KEYS.tag(slot), request.policy)], [{ ...base, verb: 'policy-set', slot, policy: request.policy }], []);
    }
    case 'release':
      return moveSlots(request, base, choose(mine, request.slot, request.target, request.image), () => request.image, annotate);
    case 'rollback':
    case 'auto-revert':
      return moveSlots(request, base, request.slot === undefined ? mine : [named(mine, request.slot, request.target)], (slot) => rollbackImage(slot, request.to, history), annotate);
  }
}

/** Release and rollback: each slot's image set, a trailer with from and to, and a lock on the slot unless asked not to. */
function moveSlots(request: Extract<OperationRequest, { verb: 'release' | 'rollback' | 'auto-revert' }>, base: Omit<OperationTrailer, 'verb'>, slots: readonly ImageSlot[], imageFor: (slot: ImageSlot) => string, annotate: (key: string, value: string | null) => Edit): OperationPlan {
  const edits: Edit[] = [];
  const trailers: OperationTrailer[] = [];
  const lines: string[] = [];
  for (const slot of slots) {
    if (request.verb === 'release' && slot.lock.locked && request.force !== true) throw refused(`${request.target} is locked${slot.lock.by === undefined ? '' : ` by ${slot.lock.by}`}${slot.lock.reason === undefined ? '' : `: ${slot.lock.reason}`}; not releasing (unlock it, or use --force)`);
    const image = imageFor(slot);
    const from = slotValue(slot);
    const to = valueOfRef(image);
    if (from === to) continue;
    edits.push({ slot, image });
    const name = slot.container;
    trailers.push({ ...base, verb: request.verb, ...(name === undefined ? {} : { slot: name }), image: repositoryName(parseImageRef(image)), ...(from === undefined ? {} : { from }), to });
    lines.push(`- ${slot.file}:${slot.line} ${name ?? slot.kind}: ${slot.image} -> ${image}`);
    if (request.lock && !slot.lock.locked) {
      const keys = lockKeys(name);
      const why = request.reason ?? `${request.verb} to ${to}`;
      edits.push(annotate(keys.locked, 'true'), annotate(keys.by, request.by), annotate(keys.reason, oneLine(why)), annotate(keys.at, request.at));
    }
  }
  return finish(request.verb, edits, trailers, lines);
}

function rollbackImage(slot: ImageSlot, to: string | undefined, history: readonly HistoryCommit[]): string {
  const ref = parseImageRef(slot.image);
  const current = slotValue(slot) ?? '';
  const value = to ?? previousValue(history, slotKey(slot), current)?.value;
  if (value === undefined) throw refused(`${slotKey(slot)}: no earlier value in the branch's history; name one with --to`);
  const [tag, digest] = value.split('@') as [string, string | undefined];
  // A slot pinned by digest keeps a pin only when the history knows the digest of the tag rolled back to.
  return formatImageRef({ ...ref, tag, digest: to === undefined ? digest : undefined } as ImageRef);
}

function valueOfRef(image: string): string {
  const ref = parseImageRef(image);
  const tag = ref.tag ?? 'latest';
  return ref.digest === undefined ? tag : `${tag}@${ref.digest}`;
}

/** The slot named `name` of a target (its container, a kustomize image's name, a marker's path). */
function named(mine: readonly ImageSlot[], name: string, target: string): ImageSlot {
  const found = mine.find((s) => s.container === name);
  if (found === undefined) throw refused(`${target} has no slot ${name} (it has: ${names(mine)})`);
  return found;
}

/** A release's slots: the one named, or every slot running the image's repository. */
function choose(mine: readonly ImageSlot[], name: string | undefined, target: string, image: string): ImageSlot[] {
  let wanted: string;
  try {
    wanted = repositoryName(parseImageRef(image));
  } catch (error) {
    throw refused(`--image: ${(error as Error).message}`);
  }
  if (name !== undefined) return [named(mine, name, target)];
  const same = mine.filter((s) => {
    try {
      return repositoryName(parseImageRef(s.image)) === wanted;
    } catch {
      return false;
    }
  });
  if (same.length === 0) throw refused(`no slot of ${target} runs ${wanted}; name one with --container (it has: ${names(mine)})`);
  return same;
}

function names(mine: readonly ImageSlot[]): string {
  return [...new Set(mine.map((s) => s.container ?? s.kind))].join(', ');
}

/** The object holding a slot: a workload by kind and name, else the file's one object. */
function selector(slot: ImageSlot): ObjectSelector {
  const id = slot.workload === undefined ? undefined : /^[^:]*:([^/]+)\/(.+)$/.exec(slot.workload);
  return id === null || id === undefined ? {} : { kind: id[1]!, name: id[2]! };
}

const DONE: Record<OperationVerb, string> = {
  lock: 'Locked',
  unlock: 'Unlocked',
  automate: 'Automated',
  deautomate: 'Automation turned off',
  'policy-set': 'Policy set',
  release: 'Released',
  rollback: 'Rolled back',
  'auto-revert': 'Reverted automatically',
  freeze: 'Frozen',
  unfreeze: 'Unfrozen',
};

/** The message: a subject naming verb, target and why; who and when; the slots moved; the trailers. */
export function finish(verb: OperationVerb, edits: Edit[], trailers: OperationTrailer[], lines: string[]): OperationPlan {
  const first = trailers[0];
  if (first === undefined) return { edits: [], trailers, lines, message: '' };
  const what = `${first.target}${trailers.length === 1 && first.slot !== undefined ? ` ${first.slot}` : ''}`;
  const subject = oneLine(`tagpilot ${verb === 'policy-set' ? 'policy set' : verb} ${what}${first.reason === undefined ? '' : `: ${first.reason}`}`);
  const detail = first.policy === undefined ? '' : ` to ${first.policy}`;
  const who = oneLine(`${DONE[verb]}${detail} by ${first.by} at ${first.at}${first.reason === undefined ? '.' : `: ${first.reason}`}`);
  const paragraphs = [subject, who, ...(lines.length > 0 ? [lines.map(oneLine).join('\n')] : []), trailers.map(formatOperationTrailer).join('\n')];
  return { edits, trailers, lines, message: `${paragraphs.join('\n\n')}\n` };
}
