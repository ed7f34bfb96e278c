import { isAlias, isMap, isPair, isScalar, isSeq, type Scalar } from 'yaml';
import { plainSafe } from './plain.ts';
import type { ParsedFile } from './yaml.ts';

/**
 * When an edit provably changes nothing but its own scalars, so its result need not be parsed
 * again to be checked. A splice is local when:
 * - the scalar it replaces is one single-line token (plain, or quoted) and the new token has the
 *   same style and only characters of image references that cannot start, end or split a token
 *   in that style (no space, `#`, `,`, `[`, `]`, `{`, `}`, quote or backslash; a plain one does
 *   not end with `:` and reads as a string in YAML 1.2 and 1.1): every other token of the file
 *   is lexed as before, so the documents have the same structure, keys, comments, anchors and
 *   errors;
 * - it carries no tag and is a map's value or a sequence's item, not (inside) a key: the keys,
 *   and so the duplicate-key check, stay as they were;
 * - neither it nor any node around it carries an anchor: only an alias (merge keys' too) can
 *   reach a value from another place, and an alias reaches only an anchored node's subtree, so
 *   no other place reads the changed value.
 * Then the result's documents are the original ones with those scalars' values replaced, which
 * the edit checks on the parse it has (withValues); any other splice is checked by parsing the
 * result, as before. test/manifests/local-edit-property.test.ts runs both checks side by side.
 */

/** The new text of one scalar and the value it reads as. */
export interface LocalSplice {
  node: Scalar;
  /** The text written in place of the scalar's own (quotes included). */
  written: string;
  value: string;
}

const TOKEN_CHARS = /^[A-Za-z0-9_][A-Za-z0-9_./:@+=-]*$/;

/** True when every splice is local (above) in `file`, whose text they replace. */
export function isLocalEdit(file: ParsedFile, splices: readonly LocalSplice[]): boolean {
  if (splices.length === 0) return true;
  if (!splices.every((s) => sameToken(file.text, s))) return false;
  const wanted = new Set<unknown>(splices.map((s) => s.node));
  let found = 0;
  let local = true;
  const walk = (node: unknown, anchored: boolean, inKey: boolean): void => {
    if (!local || found === wanted.size || node === null || node === undefined || isAlias(node)) return;
    if (isPair(node)) {
      walk(node.key, anchored, true);
      walk(node.value, anchored, inKey);
      return;
    }
    const here = anchored || (isScalar(node) || isMap(node) || isSeq(node) ? node.anchor !== undefined : false);
    if (wanted.has(node)) {
      found++;
      if (here || inKey) local = false;
      return;
    }
    if (isMap(node) || isSeq(node)) for (const item of node.items as unknown[]) walk(item, here, inKey);
  };
  for (const doc of file.docs) walk(doc.contents, false, false);
  return local && found === wanted.size;
}

/** The new token replaces exactly one single-line token of the same style, and cannot lex otherwise. */
function sameToken(text: string, { node, written, value }: LocalSplice): boolean {
  const range = node.range;
  if (!range || node.tag !== undefined || !TOKEN_CHARS.test(value) || value.endsWith(':')) return false;
  const old = text.slice(range[0], range[1]);
  if (old.length === 0 || /[\s]/.test(old)) return false;
  switch (node.type) {
    case 'PLAIN':
      return written === value && old === node.source && plainSafe(value);
    case 'QUOTE_DOUBLE':
      return written === `"${value}"` && old.length >= 2 && old.startsWith('"') && old.endsWith('"');
    case 'QUOTE_SINGLE':
      return written === `'${value}'` && old.length >= 2 && old.startsWith("'") && old.endsWith("'");
    default:
      return false;
  }
}

/**
 * Runs `read` on the parse with the spliced scalars reading as their new values (what a parse
 * of the result holds when the edit is local), and puts the parse back as it was afterwards,
 * thrown or not: it is the cycle's, shared by every try of the file.
 */
export function withValues<T>(splices: readonly LocalSplice[], read: () => T): T {
  const saved = splices.map(({ node }) => ({ node, value: node.value, source: node.source, format: node.format }));
  try {
    for (const { node, value } of splices) {
      node.value = value;
      node.source = value;
      delete node.format;
    }
    return read();
  } finally {
    for (const { node, value, source, format } of saved) {
      node.value = value;
      node.source = source;
      if (format === undefined) delete node.format;
      else node.format = format;
    }
  }
}
