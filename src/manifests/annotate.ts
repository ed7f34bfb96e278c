import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, isSeq, type Document, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { EditError, plainSafe } from './edit.ts';
import { findSlots } from './find.ts';
import type { AnnotationEdit, ObjectSelector } from './types.ts';
import { keyName, parseFile, scalarText } from './yaml.ts';

/**
 * The annotation writer: sets or removes one annotation of one object with a single splice of the
 * file's text, so every other byte stays (invariant 3). It adds to the `annotations:` map in its
 * own style (block or flow, its indentation, the line's ending), creates `annotations:` under
 * `metadata` (and `metadata` itself) where there is none, and takes them away again when the last
 * annotation goes. The result is re-parsed: every document must read exactly as before except for
 * that one annotation, and every image slot must be unchanged; anything else is refused.
 */
export function applyAnnotationEdit(path: string, text: string, edit: AnnotationEdit): string {
  if (edit.file !== path) throw new EditError(`${path}: edit for an annotation in ${edit.file}`);
  const before = parseFile(text);
  if (before.docs.some((d) => d.errors.length > 0)) throw new EditError(`${path}: not valid YAML; fix it by hand first`);
  const target = findObject(path, before.docs, edit.object);
  const where = `${path}: ${describe(edit.object)}`;
  const planned = planSplice(where, text, target.object, edit);
  if (planned === undefined) return text; // already as asked
  const { start, end, insert } = planned.splice;
  const out = text.slice(0, start) + insert + text.slice(end);
  verify(where, before.docs, out, target, edit, planned.emptied);
  verifyImages(path, text, out);
  return out;
}

interface Splice {
  start: number;
  end: number;
  insert: string;
}

/** The splice, and what a removal left: `null` annotations (`annotations:` kept for its comments), or nothing (pairs dropped). */
type Planned = { splice: Splice; emptied?: 'null' | 'dropped' | 'metadata-dropped' };

interface Located {
  doc: number;
  /** Where the object sits in its document's JS value: [] for the document itself, [i] in a list. */
  path: (string | number)[];
  object: YAMLMap;
}

const MAX_LIST_DEPTH = 4;

/** The one object the selector names; none or several is a refusal, never a guess. */
function findObject(path: string, docs: readonly Document.Parsed[], selector: ObjectSelector): Located {
  const found: Located[] = [];
  for (const [index, doc] of docs.entries()) {
    const visit = (node: unknown, at: (string | number)[], depth: number): void => {
      if (isSeq(node) && depth <= MAX_LIST_DEPTH) {
        for (const [i, item] of node.items.entries()) visit(item, [...at, i], depth + 1);
      } else if (isMap(node)) {
        const items = directValue(node, 'items');
        if (directText(node, 'kind') === 'List' && isSeq(items) && depth <= MAX_LIST_DEPTH) visit(items, [...at, 'items'], depth + 1);
        else if (matches(node, selector)) found.push({ doc: index, path: at, object: node });
      }
    };
    visit(doc.contents, [], 0);
  }
  if (found.length === 0) throw new EditError(`${path}: no object ${describe(selector)}`);
  if (found.length > 1) throw new EditError(`${path}: ${found.length} objects match ${describe(selector)}; name one by kind and name`);
  return found[0]!;
}

function matches(object: YAMLMap, selector: ObjectSelector): boolean {
  const kind = directText(object, 'kind');
  if (selector.kind !== undefined && kind?.toLowerCase() !== selector.kind.toLowerCase()) return false;
  const metadata = directValue(object, 'metadata');
  return selector.name === undefined || (isMap(metadata) && directText(metadata, 'name') === selector.name);
}

function describe(selector: ObjectSelector): string {
  return [selector.kind ?? '', selector.name ?? ''].filter(Boolean).join('/') || 'the object';
}

/** Only pairs written in the map itself: a value reached through an alias or a merge key is shared, and never edited in place. */
function directPair(map: YAMLMap, key: string): Pair | undefined {
  const pairs = map.items.filter((p) => keyName(p.key) === key);
  return pairs.length === 1 ? pairs[0] : undefined;
}

function directValue(map: YAMLMap, key: string): unknown {
  return directPair(map, key)?.value;
}

function directText(map: YAMLMap, key: string): string | undefined {
  const value = directValue(map, key);
  return isScalar(value) ? scalarText(value) : undefined;
}

function planSplice(where: string, text: string, object: YAMLMap, edit: AnnotationEdit): Planned | undefined {
  const { key, value } = edit;
  const step = indentStep(text, object);
  const metaPair = uniquePair(where, object, 'metadata');
  if (metaPair === undefined) return value === null ? undefined : { splice: insertPair(text, object, [{ key: 'metadata', value: [{ key: 'annotations', value: [{ key, value }] }] }], step) };
  const metadata = metaPair.value;
  if (!isMap(metadata)) throw new EditError(`${where}: metadata is not a mapping`);
  // metadata's own step, where it shows one (its entries against its key).
  const first = metadata.items[0];
  const own = first === undefined || metadata.flow ? 0 : columnOf(text, rangeOf(first.key)[0]) - columnOf(text, rangeOf(metaPair.key)[0]);
  const metaStep = own > 0 ? own : step;
  const annotationsPair = uniquePair(where, metadata, 'annotations');
  if (annotationsPair === undefined) return value === null ? undefined : { splice: insertPair(text, metadata, [{ key: 'annotations', value: [{ key, value }] }], metaStep) };
  const annotations = annotationsPair.value;
  if (isScalar(annotations) && annotations.value === null) return value === null ? undefined : { splice: fillNull(text, annotationsPair, annotations, { key, value }, metaStep) };
  if (!isMap(annotations)) throw new EditError(`${where}: metadata.annotations is not a mapping`);
  const entry = uniquePair(where, annotations, key);
  if (entry === undefined) return value === null ? undefined : { splice: insertPair(text, annotations, [{ key, value }], metaStep) };
  if (value !== null) return setValue(where, entry, value);
  if (annotations.items.length > 1) return { splice: removePair(where, text, annotations, entry) };
  return removeLast(where, text, object, metaPair, metadata, annotationsPair);
}

function uniquePair(where: string, map: YAMLMap, key: string): Pair | undefined {
  const pairs = map.items.filter((p) => keyName(p.key) === key);
  if (pairs.length > 1) throw new EditError(`${where}: "${key}" appears ${pairs.length} times`);
  if (pairs.length === 0 && map.items.some((p) => keyName(p.key) === '<<')) throw new EditError(`${where}: "${key}" may come from a merge key (<<); edit it by hand`);
  return pairs[0];
}

/** The last annotation goes with its map; `metadata` goes too when nothing else is left in it. */
function removeLast(where: string, text: string, object: YAMLMap, metaPair: Pair, metadata: YAMLMap, annotationsPair: Pair): Planned {
  const annotations = annotationsPair.value as YAMLMap;
  const entry = annotations.items[0]!;
  // Comments in the map (besides the entry's own) would go with it: keep them and the key (annotations: null).
  const from = pairLines(text, annotationsPair)[0];
  const entryFrom = pairLines(text, entry)[0];
  if (!annotations.flow && text.slice(from, entryFrom).includes('#')) return { splice: removePair(where, text, annotations, entry), emptied: 'null' };
  if (metadata.items.length > 1) return { splice: removePair(where, text, metadata, annotationsPair), emptied: 'dropped' };
  return { splice: removePair(where, text, object, metaPair), emptied: 'metadata-dropped' };
}

/** What to write: a pair whose value is a scalar, or nested pairs (a new map). */
interface NewPair {
  key: string;
  value: string | null | NewPair[];
}

/** New pairs at the end of `map`, in its style; `step` indents a nested new map in a block one. */
function insertPair(text: string, map: YAMLMap, pairs: NewPair[], step: number): Splice {
  if (map.flow) {
    const last = map.items.at(-1);
    if (last === undefined) {
      const open = map.range![0] + 1; // just inside the `{`
      return { start: open, end: open, insert: flowPairs(pairs) };
    }
    const end = valueEnd(last);
    return { start: end, end, insert: `, ${flowPairs(pairs)}` };
  }
  const first = map.items[0]!;
  return linesAt(text, lineAfter(text, valueEnd(map.items.at(-1)!)), pairs, columnOf(text, rangeOf(first.key)[0]), step);
}

/** Whole new lines at `at` (a line start), in the ending of the line before; at the end of a file without a final newline, it stays without one. */
function linesAt(text: string, at: number, pairs: readonly NewPair[], column: number, step: number): Splice {
  const eol = lineEnding(text, at);
  const lines = block(pairs, column, step, eol);
  if (at === text.length && text !== '' && !text.endsWith('\n')) return { start: at, end: at, insert: eol + lines.slice(0, -eol.length) };
  return { start: at, end: at, insert: lines };
}

/** `annotations:` with no value (or `~`, `null`): the new map goes where the value is. */
function fillNull(text: string, pair: Pair, value: Scalar, entry: NewPair, step: number): Splice {
  const [start, end] = rangeOf(value);
  if (end > start) return { start, end, insert: flow([entry]) };
  return linesAt(text, lineAfter(text, end), [entry], columnOf(text, rangeOf(pair.key)[0]) + step, step);
}

function setValue(where: string, entry: Pair, value: string): Planned | undefined {
  const node = entry.value;
  if (!isScalar(node)) throw new EditError(`${where}: the annotation's value is not a plain string (an alias or a collection); edit it by hand`);
  if (scalarText(node) === value && typeof node.value === 'string') return undefined;
  const [start, end] = rangeOf(node);
  return { splice: { start, end, insert: restyle(where, node, value) } };
}

/** The new value in the scalar's own style where that reads back the same; else double-quoted. */
function restyle(where: string, node: Scalar, value: string): string {
  switch (node.type) {
    case 'QUOTE_SINGLE':
      // biome-ignore lint/suspicious/noControlCharactersInRegex: a single-quoted scalar cannot hold control characters
      return /[\u0000-\u001f\u007f]/.test(value) ? JSON.stringify(value) : `'${value.replaceAll("'", "''")}'`;
    case 'QUOTE_DOUBLE':
      return JSON.stringify(value);
    case 'PLAIN':
      return scalar(value);
    default:
      throw new EditError(`${where}: the annotation is a block scalar; edit it by hand`);
  }
}

/**
 * Removes one pair: in a block map, its whole lines (a trailing comment on them goes with it);
 * in a flow map, the pair and one comma next to it.
 */
function removePair(where: string, text: string, map: YAMLMap, pair: Pair): Splice {
  const index = map.items.indexOf(pair);
  if (map.flow) {
    const next = map.items[index + 1];
    const previous = map.items[index - 1];
    if (next !== undefined) return { start: rangeOf(pair.key)[0], end: rangeOf(next.key)[0], insert: '' };
    if (previous !== undefined) return { start: valueEnd(previous), end: valueEnd(pair), insert: '' };
    const [open, close] = rangeOf(map);
    return { start: open, end: close, insert: '{}' };
  }
  const [from, to] = pairLines(text, pair);
  if (text.slice(from, rangeOf(pair.key)[0]).trim() !== '') throw new EditError(`${where}: "${keyName(pair.key)}" does not start its line; edit it by hand`);
  return { start: from, end: to, insert: '' };
}

/** From the start of the pair's first line to the start of the line after its value. */
function pairLines(text: string, pair: Pair): [number, number] {
  const keyAt = rangeOf(pair.key)[0];
  return [text.lastIndexOf('\n', keyAt - 1) + 1, lineAfter(text, valueEnd(pair))];
}

function flow(pairs: readonly NewPair[]): string {
  return `{${flowPairs(pairs)}}`;
}

function flowPairs(pairs: readonly NewPair[]): string {
  return pairs.map((p) => `${scalar(p.key)}: ${Array.isArray(p.value) ? flow(p.value) : scalar(p.value ?? '')}`).join(', ');
}

function block(pairs: readonly NewPair[], column: number, step: number, eol: string): string {
  const pad = ' '.repeat(column);
  return pairs.map((p) => (Array.isArray(p.value) ? `${pad}${scalar(p.key)}:${eol}${block(p.value, column + step, step, eol)}` : `${pad}${scalar(p.key)}: ${scalar(p.value ?? '')}${eol}`)).join('');
}

/** A key or value as YAML: plain when it reads back as the same string (in YAML 1.1 too), else JSON-quoted. */
function scalar(text: string): string {
  return plainSafe(text) ? text : JSON.stringify(text);
}

/** The file's own indentation step: how far the first nested block map sits in from its key. */
function indentStep(text: string, map: YAMLMap): number {
  for (const pair of map.items) {
    const child = pair.value;
    if (isMap(child) && !child.flow && child.items[0] !== undefined) {
      const step = columnOf(text, rangeOf(child.items[0].key)[0]) - columnOf(text, rangeOf(pair.key)[0]);
      if (step > 0) return step;
    }
  }
  return 2;
}

function rangeOf(node: unknown): [number, number] {
  const range = (node as { range?: [number, number, number] | null }).range;
  if (range === undefined || range === null) throw new EditError('a node without a source position');
  return [range[0], range[1]];
}

function valueEnd(pair: Pair): number {
  return rangeOf(pair.value ?? pair.key)[1];
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** The start of the line after `offset` (or `offset` itself when a line starts there). */
function lineAfter(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}

/** The ending of the line before `offset`, or the file's first one. */
function lineEnding(text: string, offset: number): string {
  const before = text.lastIndexOf('\n', offset - 1);
  if (before >= 0) return text[before - 1] === '\r' ? '\r\n' : '\n';
  const first = text.indexOf('\n');
  return first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n';
}

/** Re-parses: every document reads as before, but for the one annotation of the one object. */
function verify(where: string, before: readonly Document.Parsed[], text: string, target: Located, edit: AnnotationEdit, emptied: Planned['emptied']): void {
  const after = parseFile(text).docs;
  const error = after.flatMap((d) => d.errors)[0];
  if (error !== undefined) throw new EditError(`${where}: the edit would not parse: ${error.message}`);
  if (after.length !== before.length) throw new EditError(`${where}: the edit would change the documents`);
  for (let i = 0; i < before.length; i++) {
    const expected = toJS(where, before[i]!);
    if (i === target.doc) expected.value = applyToJS(expected.value, target.path, edit, emptied);
    if (!isDeepStrictEqual(toJS(where, after[i]!).value, expected.value)) throw new EditError(`${where}: the edit would change more than ${edit.key}`);
  }
}

function toJS(where: string, doc: Document.Parsed): { value: unknown } {
  try {
    return { value: doc.toJS({ maxAliasCount: 1_000 }) };
  } catch (error) {
    throw new EditError(`${where}: cannot verify the edit: ${(error as Error).message}`);
  }
}

type Json = Record<string, unknown>;

/** The change as it must read back, made on the parsed value of the document. */
function applyToJS(value: unknown, path: readonly (string | number)[], edit: AnnotationEdit, emptied: Planned['emptied']): unknown {
  let object = value as Json;
  for (const step of path) object = (object as Record<string | number, unknown>)[step] as Json;
  if (edit.value !== null) {
    const metadata = (object.metadata ??= {}) as Json;
    const annotations = (metadata.annotations ??= {}) as Json;
    annotations[edit.key] = edit.value;
    return value;
  }
  const metadata = object.metadata as Json;
  if (emptied === 'metadata-dropped') delete object.metadata;
  else if (emptied === 'dropped') delete metadata.annotations;
  else if (emptied === 'null') metadata.annotations = null;
  else delete (metadata.annotations as Json)[edit.key];
  return value;
}

/** An annotation edit never moves an image: every slot denotes what it did. */
function verifyImages(path: string, before: string, after: string): void {
  const was = findSlots([{ path, text: before }]).slots.map((s) => s.image);
  const now = findSlots([{ path, text: after }]).slots.map((s) => s.image);
  if (!isDeepStrictEqual(was, now)) throw new EditError(`${path}: the annotation edit would change an image slot`);
}
