import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, YAMLParseError, type Document, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';

/**
 * Reading the `yaml` AST without ever converting it to JS: aliases are resolved one hop at a
 * time when a lookup meets one, so an alias bomb costs no more than its source text.
 */

/** A parsed file: its documents and a line counter for 1-based line numbers. */
export interface ParsedFile {
  /** The text parsed: a parse is used for this text only (an edit checks it is handed the same). */
  text: string;
  docs: Document.Parsed[];
  lines: LineCounter;
}

/** Alias chains are followed this deep at most. */
const MAX_HOPS = 8;
/** One lookup reads at most this many maps through merge keys. */
const MAX_MERGED_MAPS = 64;

export function parseFile(text: string): ParsedFile {
  const lines = new LineCounter();
  // yaml's own duplicate-key check compares every key with every other (30,000 keys: 30 s), so
  // keys are checked below in one pass instead.
  const parsed = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) if (doc.errors.length === 0) markDuplicateKey(doc);
  return { text, docs, lines };
}

/**
 * Duplicate keys are errors: tools disagree on which one wins (first or last), so an edit of one
 * could leave the value that counts unchanged. The first one found becomes the document's error.
 */
function markDuplicateKey(doc: Document.Parsed): void {
  eachNode(doc, (node) => {
    if (!isMap(node)) return false;
    const start = duplicateKeyStart(node);
    if (start === undefined) return false;
    doc.errors.push(new YAMLParseError([start, start + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
    return true;
  });
}

/** Maps this small are checked pair by pair (most of a manifest's are); larger ones through a set. */
const SMALL_MAP = 8;

/** Where the first key that repeats an earlier scalar key of the map starts (same type, same text). */
function duplicateKeyStart(map: YAMLMap): number | undefined {
  const { items } = map;
  if (items.length < 2) return undefined;
  const seen = items.length <= SMALL_MAP ? undefined : new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const key = items[i]!.key;
    if (!isScalar(key)) continue;
    if (!repeats(items, i, key, seen)) continue;
    return key.range?.[0] ?? 0;
  }
  return undefined;
}

function repeats(items: YAMLMap['items'], i: number, key: Scalar, seen: Set<string> | undefined): boolean {
  if (seen !== undefined) {
    const id = `${typeof key.value}:${String(key.value)}`;
    if (seen.has(id)) return true;
    seen.add(id);
    return false;
  }
  for (let j = 0; j < i; j++) {
    const other = items[j]!.key;
    if (isScalar(other) && typeof other.value === typeof key.value && String(other.value) === String(key.value)) return true;
  }
  return false;
}

/**
 * Every node of a document in `visit`'s order (depth first, a node before its children, a pair's
 * key before its value), without its visitor's frozen path per node; `at` returns true to stop.
 * Returns true when stopped.
 */
export function eachNode(doc: Document, at: (node: unknown) => boolean): boolean {
  const walk = (node: unknown): boolean => {
    if (node === null || node === undefined) return false;
    if (at(node)) return true;
    // A pair is a map's item, and a flow sequence's (`[a: 1]`).
    if (isPair(node)) return walk(node.key) || walk(node.value);
    if (isMap(node) || isSeq(node)) for (const item of node.items as unknown[]) if (walk(item)) return true;
    return false;
  };
  return walk(doc.contents);
}

export function lineOf(lines: LineCounter, offset: number): number {
  return lines.linePos(offset).line;
}

/** Follows aliases to the node they name. */
export function deref(doc: Document, node: unknown): unknown {
  let current = node;
  for (let hop = 0; hop < MAX_HOPS && isAlias(current); hop++) current = current.resolve(doc);
  return isAlias(current) ? undefined : current;
}

/**
 * `map[key]`, also through merge keys (`<<: *base`); the value node, aliases resolved. Each map
 * is looked at once per lookup, so merge chains built to multiply (a merge bomb) stay linear.
 */
export function get(doc: Document, map: unknown, key: string, seen = new Set<unknown>()): unknown {
  const target = deref(doc, map);
  if (!isMap(target) || seen.has(target) || seen.size > MAX_MERGED_MAPS) return undefined;
  seen.add(target);
  let merged: unknown;
  for (const pair of target.items) {
    const name = keyName(pair.key);
    if (name === key) return deref(doc, pair.value);
    if (name === '<<' && merged === undefined) merged = pair.value;
  }
  if (merged === undefined) return undefined;
  const sources = deref(doc, merged);
  for (const source of isSeq(sources) ? sources.items : [sources]) {
    const found = get(doc, source, key, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function getMap(doc: Document, map: unknown, key: string): YAMLMap | undefined {
  const value = get(doc, map, key);
  return isMap(value) ? value : undefined;
}

export function getSeq(doc: Document, map: unknown, key: string): YAMLSeq | undefined {
  const value = get(doc, map, key);
  return isSeq(value) ? value : undefined;
}

/** A string-valued scalar at `map[key]`, with its node. */
export function getScalar(doc: Document, map: unknown, key: string): Scalar | undefined {
  const value = get(doc, map, key);
  return isScalar(value) && scalarText(value) !== undefined ? value : undefined;
}

export function getString(doc: Document, map: unknown, key: string): string | undefined {
  const node = getScalar(doc, map, key);
  return node === undefined ? undefined : scalarText(node);
}

/**
 * The text a scalar means as a string. A plain `1.10` is the float 1.1 to YAML but the tag
 * `1.10` to a person, so plain scalars read as their source text; null scalars are absent.
 */
export function scalarText(node: Scalar): string | undefined {
  if (node.value === null || node.value === undefined) return undefined;
  if (node.type === 'PLAIN' && typeof node.source === 'string') return node.source;
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' || typeof node.value === 'boolean') return String(node.value);
  return undefined;
}

/** The string values of a map of strings (annotations), ignoring anything else. */
export function stringMap(doc: Document, node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const map = deref(doc, node);
  if (!isMap(map)) return out;
  for (const pair of map.items) {
    const key = keyName(pair.key);
    const value = deref(doc, pair.value);
    const text = isScalar(value) ? scalarText(value) : undefined;
    if (key !== undefined && text !== undefined) out[key] = text;
  }
  return out;
}

/** The 1-based line of each key of a map (aliases followed), for problems that name a key. */
export function keyLines(doc: Document, node: unknown, lines: LineCounter): Map<string, number> {
  const out = new Map<string, number>();
  const map = deref(doc, node);
  if (!isMap(map)) return out;
  for (const pair of map.items) {
    const key = keyName(pair.key);
    const where = isNode(pair.key) ? span(pair.key) : undefined;
    if (key !== undefined && where !== undefined) out.set(key, lineOf(lines, where.start));
  }
  return out;
}

export function keyName(key: unknown): string | undefined {
  if (typeof key === 'string') return key;
  return isScalar(key) && typeof key.value === 'string' ? key.value : undefined;
}

/** The source span of a scalar's own text (quotes included, anchor and tag excluded). */
export function span(node: Node): { start: number; end: number } | undefined {
  const range = node.range;
  if (range === undefined || range === null) return undefined;
  return { start: range[0], end: range[1] };
}
