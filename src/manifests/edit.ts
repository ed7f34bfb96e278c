import { isAlias, isCollection, isScalar, type Scalar } from 'yaml';
import { parseImageRef, repositoryName, type ImageRef } from '../image/index.ts';
import { slotsOfParsed } from './find.ts';
import { applyAnnotationEdit } from './annotate.ts';
import { sharedValueProblem } from './shared.ts';
import { isLocalEdit, withValues, type LocalSplice } from './local-edit.ts';
import { plainSafe } from './plain.ts';
import type { Edit, FieldPart, ImageEdit, ImageSlot, SlotField, SourceFile } from './types.ts';
import { eachNode, parseFile, scalarText, type ParsedFile } from './yaml.ts';
import { TagpilotError } from '../problems/index.ts';

export { plainSafe } from './plain.ts';

export class EditError extends TagpilotError {
  override name = 'EditError';

  constructor(message: string, options?: ErrorOptions) {
    super('edit-refused', message, options);
  }
}

/** One scalar to rewrite: its span in the original text and the value it must hold after. */
interface Splice {
  start: number;
  end: number;
  value: string;
}

/**
 * Applies edits to one file's text by splicing each changed scalar's own source span, keeping
 * its quoting style; every other byte stays. The result is checked that exactly the intended
 * values changed (re-parsed, unless the edit is provably local: local-edit.ts; `proof: 'full'`
 * always re-parses), else nothing is returned and the reason is thrown. Annotation
 * edits go through the annotation writer (annotate.ts), one after another, each verified.
 * `parsed`: the parse of `text` its slots were found in (the cycle's read keeps it), used
 * instead of parsing the text again; a parse of any other text is ignored.
 */
export function applyEdits(path: string, text: string, edits: readonly Edit[], parsed?: ParsedFile, proof: EditProof = 'auto'): string {
  const images = edits.filter((e): e is ImageEdit => e.kind !== 'annotation');
  // Image edits first: their slots hold offsets into the text as it was read.
  let out = applyImageEdits(path, text, images, parsed?.text === text ? parsed : undefined, proof);
  for (const edit of edits) if (edit.kind === 'annotation') out = applyAnnotationEdit(path, out, edit);
  return out;
}

function applyImageEdits(path: string, text: string, edits: readonly ImageEdit[], parsed: ParsedFile | undefined, proof: EditProof): string {
  if (edits.length === 0) return text;
  const before = parsed ?? parseFile(text);
  if (before.docs.some((d) => d.errors.length > 0)) throw new EditError(`${path}: not valid YAML; fix it by hand first`);
  const scalars = scalarsAt(before, new Set(edits.flatMap((e) => e.slot.fields.map((f) => f.start))));
  const splices = collectSplices(path, edits, scalars);
  // Already as asked: applying the same change twice changes nothing.
  if (splices.size === 0) return text;
  let out = text;
  const written: LocalSplice[] = [];
  for (const splice of [...splices.values()].sort((a, b) => b.start - a.start)) {
    const node = scalars.get(splice.start)!;
    const token = requote(path, node, splice.value);
    written.push({ node, written: token, value: splice.value });
    out = out.slice(0, splice.start) + token + out.slice(splice.end);
  }
  verifyEdit({ path, text, out, before, splices, edits, written }, proof);
  return out;
}

/** How an edit's result is checked: `auto` proves a local edit on the parse it has (local-edit.ts), `full` always parses the result. */
export type EditProof = 'auto' | 'full';

interface EditCheck {
  path: string;
  text: string;
  out: string;
  before: ParsedFile;
  splices: ReadonlyMap<number, Splice>;
  edits: readonly ImageEdit[];
  written: readonly LocalSplice[];
}

/** Throws unless exactly the intended values change: on the parse as read when the edit is local, else on a parse of the result. */
function verifyEdit({ path, text, out, before, splices, edits, written }: EditCheck, proof: EditProof): void {
  if (proof === 'auto' && isLocalEdit(before, written)) {
    // The result's documents are these with the spliced values: the slots are found on them again.
    const was = slotsOfParsed({ path, text }, before);
    const now = withValues(written, () => slotsOfParsed({ path, text }, before));
    compareSlots(path, was, now, edits);
    return;
  }
  const after = parseFile(out);
  verifyScalars(path, before, after, splices);
  verifyResolved(path, before, splices, edits);
  verifySlots({ path, text }, before, { path, text: out }, after, edits);
}

/** The file an edit is for. */
export function editFile(edit: Edit): string {
  return edit.kind === 'annotation' ? edit.file : edit.slot.file;
}

function collectSplices(path: string, edits: readonly ImageEdit[], scalars: ReadonlyMap<number, Scalar>): Map<number, Splice> {
  const splices = new Map<number, Splice>();
  for (const edit of edits) {
    if (edit.slot.file !== path) throw new EditError(`${path}: edit for a slot in ${edit.slot.file}`);
    for (const splice of planEdit(edit)) {
      checkCurrent(path, edit.slot, splice, scalars);
      const other = splices.get(splice.start);
      if (other !== undefined && other.value !== splice.value) {
        throw new EditError(`${path}:${edit.slot.line}: two edits want "${other.value}" and "${splice.value}" in the same field (an anchor shared by both?)`);
      }
      splices.set(splice.start, splice);
    }
  }
  return splices;
}

/** The fields of a slot whose value must change for it to denote `edit.image`. */
export function planEdit(edit: ImageEdit): Splice[] {
  const { slot } = edit;
  const where = `${slot.file}:${slot.line}`;
  const next = parseRef(where, edit.image);
  const fields = new Map<FieldPart, SlotField>(slot.fields.map((f) => [f.part, f]));
  const wanted = new Map<FieldPart, string | undefined>();
  if (fields.has('ref')) wanted.set('ref', edit.image);
  else planParts(where, slot, next, fields, wanted);
  const out: Splice[] = [];
  for (const [part, value] of wanted) {
    const f = fields.get(part);
    if (f === undefined || value === undefined || value === f.value) continue;
    out.push({ start: f.start, end: f.end, value });
  }
  return out;
}

function planParts(where: string, slot: ImageSlot, next: ImageRef, fields: ReadonlyMap<FieldPart, SlotField>, wanted: Map<FieldPart, string | undefined>): void {
  const current = parseRef(where, slot.image);
  if (fields.has('registry')) {
    if (next.host === undefined) throw new EditError(`${where}: the slot keeps the registry in its own field; give the new image with its registry host`);
    wanted.set('registry', next.host);
    wanted.set('name', next.path);
  } else {
    wanted.set('name', repositoryName(next));
  }
  wanted.set('tag', next.tag);
  wanted.set('digest', next.digest);
  const missing = (part: FieldPart, now: string | undefined, then: string | undefined) => {
    if (!fields.has(part) && now !== then) throw new EditError(`${where}: no field holds the ${part} (${now ?? 'none'} → ${then ?? 'none'}); only existing scalars are edited`);
  };
  missing('name', repositoryName(current), repositoryName(next));
  missing('tag', current.tag, next.tag);
  missing('digest', current.digest, next.digest);
  for (const part of ['tag', 'digest'] as const) {
    if (fields.has(part) && next[part] === undefined) throw new EditError(`${where}: the new image has no ${part}, but the slot's ${part} field cannot be removed`);
  }
}

function parseRef(where: string, text: string): ImageRef {
  try {
    return parseImageRef(text);
  } catch (error) {
    throw new EditError(`${where}: ${(error as Error).message}`);
  }
}

/** The slot must still describe this text: a stale slot would splice the wrong bytes. */
function checkCurrent(path: string, slot: ImageSlot, splice: Splice, scalars: ReadonlyMap<number, Scalar>): void {
  const node = scalars.get(splice.start);
  const field = slot.fields.find((f) => f.start === splice.start);
  if (node === undefined || node.range?.[1] !== splice.end || field === undefined || scalarText(node) !== field.value) {
    throw new EditError(`${path}:${slot.line}: the file changed since its slots were found; find them again`);
  }
}

/** The new value in the scalar's own style. Plain stays plain unless that would read as a number, boolean or null. */
function requote(path: string, node: Scalar, value: string): string {
  switch (node.type) {
    case 'QUOTE_DOUBLE':
      return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case 'QUOTE_SINGLE':
      return `'${value.replaceAll("'", "''")}'`;
    case 'PLAIN':
      return plainSafe(value) ? value : `"${value}"`;
    default:
      throw new EditError(`${path}: "${scalarText(node)}" is a block scalar; edit it by hand`);
  }
}

/** The scalars that start at `starts` (the edited slots' fields), by start; the walk ends once each is found. */
function scalarsAt(file: ParsedFile, starts: ReadonlySet<number>): Map<number, Scalar> {
  const out = new Map<number, Scalar>();
  for (const doc of file.docs) {
    if (out.size === starts.size) break;
    eachNode(doc, (node) => {
      if (!isScalar(node) || !node.range || !starts.has(node.range[0])) return false;
      out.set(node.range[0], node);
      return out.size === starts.size;
    });
  }
  return out;
}

type Shape = { kind: 'scalar'; node: Scalar } | { kind: 'alias'; source: string } | { kind: 'collection'; size: number };

function shapes(file: ParsedFile): Shape[] {
  const out: Shape[] = [];
  for (const doc of file.docs) {
    eachNode(doc, (node) => {
      if (isScalar(node)) out.push({ kind: 'scalar', node });
      else if (isAlias(node)) out.push({ kind: 'alias', source: node.source });
      else if (isCollection(node)) out.push({ kind: 'collection', size: node.items.length });
      return false;
    });
  }
  return out;
}

/** Re-parses the result: same structure, every scalar the same except the spliced ones, which hold their new value. */
function verifyScalars(path: string, before: ParsedFile, after: ParsedFile, splices: ReadonlyMap<number, Splice>): void {
  const error = after.docs.flatMap((d) => d.errors)[0];
  if (error !== undefined) throw new EditError(`${path}: the edit would not parse: ${error.message}`);
  const was = shapes(before);
  const now = shapes(after);
  if (was.length !== now.length || before.docs.length !== after.docs.length) throw new EditError(`${path}: the edit would change the file's structure`);
  for (let i = 0; i < was.length; i++) {
    const a = was[i]!;
    const b = now[i]!;
    if (!sameShape(a, b, splices)) throw new EditError(`${path}: the edit would change more than the image fields`);
  }
}

function sameShape(a: Shape, b: Shape, splices: ReadonlyMap<number, Splice>): boolean {
  if (a.kind === 'alias') return b.kind === 'alias' && a.source === b.source;
  if (a.kind === 'collection') return b.kind === 'collection' && a.size === b.size;
  if (b.kind !== 'scalar') return false;
  const splice = a.node.range ? splices.get(a.node.range[0]) : undefined;
  if (splice !== undefined) return scalarText(b.node) === splice.value && typeof b.node.value === 'string';
  return a.node.value === b.node.value || (Number.isNaN(a.node.value) && Number.isNaN(b.node.value));
}

/**
 * Every value as read (aliases and merge keys resolved) must stay the same outside the edited
 * slots: an anchored scalar that another, unedited place aliases refuses the edit, naming it.
 */
function verifyResolved(path: string, before: ParsedFile, splices: ReadonlyMap<number, Splice>, edits: readonly ImageEdit[]): void {
  // Only an alias (`*name`, merge keys' too) reaches a value from another place: without one, each value is where it is written.
  if (!before.text.includes('*')) return;
  const problem = sharedValueProblem(before, new Set(splices.keys()), edits);
  if (problem !== undefined) throw new EditError(`${path}: ${problem}`);
}

/**
 * Finds the slots again: each edited slot must now denote exactly its new image, and every
 * other slot its old one (an anchor shared with an unedited slot would change that one too).
 */
function verifySlots(before: SourceFile, beforeParsed: ParsedFile, after: SourceFile, afterParsed: ParsedFile, edits: readonly ImageEdit[]): void {
  compareSlots(before.path, slotsOfParsed(before, beforeParsed), slotsOfParsed(after, afterParsed), edits);
}

function compareSlots(path: string, was: readonly ImageSlot[], now: readonly ImageSlot[], edits: readonly ImageEdit[]): void {
  if (was.length !== now.length) throw new EditError(`${path}: the edit would change which image slots the file has`);
  for (let i = 0; i < was.length; i++) {
    const old = was[i]!;
    const edit = edits.find((e) => sameSlot(e.slot, old));
    const expected = edit?.image ?? old.image;
    if (now[i]!.image !== expected) {
      const who = [old.workload, old.container].filter(Boolean).join(' ') || old.kind;
      throw new EditError(`${path}:${old.line}: the edit would make ${who} "${now[i]!.image}", not "${expected}"${edit ? '' : ' (does it share an anchor with an edited field?)'}`);
    }
  }
}

/**
 * The same slot of one file. Not by workload: re-reading one file alone cannot see the
 * kustomization that gave the workload its namespace.
 */
function sameSlot(a: ImageSlot, b: ImageSlot): boolean {
  return a.kind === b.kind && a.line === b.line && a.container === b.container && a.fields[0]?.start === b.fields[0]?.start;
}
