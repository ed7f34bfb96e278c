import type { Document, LineCounter, Scalar } from 'yaml';
import { isValidDigest, parseImageRef } from '../image/index.ts';
import { readSlotSettings, type AnnotationProblem, type FreezeWindow, type Lock, type Policy } from '../policy/index.ts';
import type { FieldPart, ImageSlot, Notice, Problem, SlotField, SlotKind } from './types.ts';
import { lineOf, scalarText, span } from './yaml.ts';
import { fileNotice, fileProblem } from '../problems/index.ts';

/** One Kubernetes object (or a plain values map) being read, with what its slots share. */
export interface ObjectContext {
  path: string;
  /** The file's text: markers are read from it. */
  source: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** `namespace:kind/name` when the object has a kind and a name. */
  workload?: string;
  annotations: Record<string, string>;
  /** The line of each annotation key, so a problem with one points at it. */
  annotationLines: ReadonlyMap<string, number>;
  lock: Lock;
  /** The object's `tagpilot.io/freeze` windows. */
  freeze: FreezeWindow[];
  problems: Problem[];
  /** What is worth telling but is no failure (see Notice). */
  notices: Notice[];
}

/** Every annotation problem of the object, each at its annotation's line. */
export function reportAnnotations(ctx: ObjectContext, problems: readonly AnnotationProblem[]): void {
  for (const p of problems) ctx.problems.push(fileProblem('annotation-invalid', ctx.path, `${ctx.workload}: ${p.message}`, ctx.annotationLines.get(p.key)));
}

export function field(part: FieldPart, node: Scalar | undefined): SlotField | undefined {
  if (node === undefined) return undefined;
  const where = span(node);
  const value = scalarText(node);
  if (where === undefined || value === undefined) return undefined;
  return { part, start: where.start, end: where.end, value };
}

/** The reference a set of fields denotes together: `[registry/]name[:tag][@digest]`, or a lone `ref`. */
export function composeImage(fields: readonly SlotField[], fallbackName?: string): string | undefined {
  const part = (p: FieldPart) => fields.find((f) => f.part === p)?.value;
  const ref = part('ref');
  if (ref !== undefined) return ref;
  const registry = part('registry');
  const name = part('name') ?? fallbackName;
  if (name === undefined) return undefined;
  const tag = part('tag');
  const digest = part('digest');
  const repo = registry === undefined || registry === '' ? name : `${registry.replace(/\/+$/, '')}/${name}`;
  return `${repo}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

export interface SlotDraft {
  kind: SlotKind;
  fields: SlotField[];
  container?: string;
  policy?: Policy;
  /** The repository when no field holds it (kustomize `name`, a named policy's image). */
  fallbackName?: string;
  follows?: ImageSlot['follows'];
  /**
   * The digest field carries a digest marker: a value there that is not a digest is replaced by
   * the policy's (Flux does not check it either), so it does not void the slot; a notice says so.
   */
  digestMarked?: boolean;
}

/** Builds a slot, or reports why the fields do not make an image reference. */
export function makeSlot(ctx: ObjectContext, draft: SlotDraft): ImageSlot | undefined {
  const fields = [...draft.fields].sort((a, b) => a.start - b.start);
  const first = fields[0];
  if (first === undefined) return undefined;
  const line = lineOf(ctx.lines, first.start);
  const where = ctx.workload === undefined ? '' : `${ctx.workload}: `;
  const digest = fields.find((f) => f.part === 'digest');
  const badDigest = draft.digestMarked === true && digest !== undefined && !isValidDigest(digest.value);
  // The slot denotes its image without a digest that is none; the digest field is still the slot's.
  const image = composeImage(badDigest ? fields.filter((f) => f !== digest) : fields, draft.fallbackName);
  if (image === undefined) {
    ctx.problems.push(fileProblem('slot-invalid', ctx.path, `${where}no field holds the image name; mark one with "# tagpilot: name"`, line));
    return undefined;
  }
  try {
    parseImageRef(image);
  } catch (error) {
    ctx.problems.push(fileProblem('image-invalid', ctx.path, `${where}${(error as Error).message}`, line));
    return undefined;
  }
  const settings = readSlotSettings(ctx.annotations, draft.container, ctx.lock);
  // The slot's own keys (`locked.<name>`, `on-revert.<name>`) are reported here; the workload's once, with the object.
  const own = draft.container === undefined ? [] : settings.problems.filter((p) => p.key.endsWith(`.${draft.container}`));
  reportAnnotations(ctx, own);
  const slot: ImageSlot = { file: ctx.path, line, kind: draft.kind, image, lock: settings.lock, fields };
  if (ctx.workload !== undefined) slot.workload = ctx.workload;
  if (draft.container !== undefined) slot.container = draft.container;
  if (draft.policy !== undefined) slot.policy = draft.policy;
  if (draft.follows !== undefined) slot.follows = draft.follows;
  if (badDigest && draft.policy !== undefined) {
    ctx.notices.push(fileNotice('warn', 'digest-invalid', ctx.path, `${where}"${digest.value}" is not a digest (sha256:<64 hex digits>); the policy's digest replaces it`, lineOf(ctx.lines, digest.start)));
  }
  if (settings.onRevert !== undefined) slot.onRevert = settings.onRevert;
  if (settings.onFailure !== undefined) slot.onFailure = settings.onFailure;
  if (ctx.freeze.length > 0) slot.freeze = ctx.freeze;
  return slot;
}

export function present<T>(value: T | undefined): value is T {
  return value !== undefined;
}
