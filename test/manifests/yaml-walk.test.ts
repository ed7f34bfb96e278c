import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMap, isScalar, parseAllDocuments, visit, type Document } from 'yaml';
import { eachNode, parseFile } from '../../src/manifests/yaml.ts';

/**
 * The walk over a parsed file (duplicate keys, an edit's structure check) meets the nodes that
 * yaml's own `visit` meets, in the same order, and finds the same first duplicate key.
 */

const key = fc.constantFrom('a', 'b', '1', '"1"', "'a'", 'true', '~', 'image', '1.0', '1.00');
const scalar = fc.constantFrom('x', '1', '"1"', 'null', '*a', '1.10', "'q'", '[a: 1, b]', '{}');
const { yaml } = fc.letrec((tie) => ({
  yaml: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(fc.tuple(key, tie('yaml')), { maxLength: 10 }).map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    fc.array(tie('yaml'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
    fc.tuple(key, tie('yaml')).map(([k, v]) => `[${k}: ${v}]`),
  ),
}));
const text = fc.array(yaml, { minLength: 1, maxLength: 3 }).map((docs) => `&a ${docs.join('\n---\n')}\n`);

/** The nodes yaml's `visit` calls its visitor with (absent keys and values left out). */
function visited(doc: Document): unknown[] {
  const out: unknown[] = [];
  visit(doc, (_key, node) => {
    if (node !== null && node !== undefined) out.push(node);
  });
  return out;
}

/** The duplicate-key check as it was, with `visit` and a set per map. */
function firstDuplicate(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const id = `${typeof pair.key.value}:${String(pair.key.value)}`;
        if (!seen.has(id)) {
          seen.add(id);
          continue;
        }
        found = pair.key.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

test('property: eachNode meets the nodes visit meets, in its order', () => {
  fc.assert(
    fc.property(text, (source) => {
      for (const doc of parseAllDocuments(source, { uniqueKeys: false }) as Document[]) {
        const walked: unknown[] = [];
        eachNode(doc, (node) => {
          walked.push(node);
          return false;
        });
        assert.deepEqual(walked, visited(doc));
      }
    }),
    { numRuns: 500, seed: 19 },
  );
});

test('property: the first duplicate key found is the one the visit with a set per map found', () => {
  let duplicates = 0;
  fc.assert(
    fc.property(text, (source) => {
      const plain = parseAllDocuments(source, { uniqueKeys: false }) as Document.Parsed[];
      const parsed = parseFile(source);
      for (const [i, doc] of plain.entries()) {
        const expected = doc.errors.length === 0 ? firstDuplicate(doc) : undefined;
        const marked = parsed.docs[i]!.errors.find((e) => e.code === 'DUPLICATE_KEY');
        assert.equal(marked?.pos[0], expected);
        if (expected !== undefined) duplicates++;
      }
    }),
    { numRuns: 500, seed: 19 },
  );
  assert.ok(duplicates > 50, `duplicates were tried (${duplicates})`);
});

test('a map of more than eight keys is checked as well: its repeated key is found', () => {
  const keys = Array.from({ length: 12 }, (_, i) => `k${i}: ${i}`);
  const parsed = parseFile(`{${[...keys, 'k3: again'].join(', ')}}\n`);
  assert.equal(parsed.docs[0]!.errors[0]?.code, 'DUPLICATE_KEY');
  assert.ok(isMap(parsed.docs[0]!.contents));
});
