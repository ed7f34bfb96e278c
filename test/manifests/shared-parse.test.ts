import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyEdits, editFiles, SlotFinder, type ImageEdit, type SourceFile } from '../../src/manifests/index.ts';
import { pod, podInput, summary } from './random-pods.ts';

/**
 * The cycle edits a file on the parse its slots were found in (read once, parsed once), instead
 * of reading and parsing it again. On random Pods (quoting, anchors shared by aliases, merge
 * keys, several documents) and random edits (some refused), editing on that parse gives exactly
 * what editing the text alone gives: the same bytes, the same refusals, the same edits made.
 */

const tag = fc.constantFrom('1.0.0', '1.1.0', '2.0.0', '1.10', 'latest');

test('property: edits made on the parse the slots were found in are the edits made on the text alone', () => {
  const seen = { made: 0, refused: 0 };
  fc.assert(
    fc.property(podInput, fc.array(tag, { maxLength: 8 }), (input, nexts) => {
      const file: SourceFile = { path: 'apps/p.yaml', text: Array.from({ length: input.docs }, (_, d) => pod(input, d)).join('---\n') };
      const found = new SlotFinder().find(file);
      assert.ok(found.parsed, 'a file with slots is parsed');
      const edits: ImageEdit[] = found.slots.flatMap((slot, i) => (nexts[i] === undefined ? [] : [{ slot, image: slot.image.replace(/:[^:]+$/, `:${nexts[i]}`) }]));
      const alone = editFiles([file], edits);
      const shared = editFiles([{ ...file, parsed: found.parsed }], edits);
      assert.deepEqual(summary(shared), summary(alone));
      if (shared.files.size > 0) seen.made++;
      if (shared.refused.length > 0) seen.refused++;
      // All made at once, or refused: the same as one edit of the text alone.
      if (alone.refused.length === 0) assert.equal(shared.files.get(file.path) ?? file.text, applyEdits(file.path, file.text, edits));
      // The edits read the parse, never change it: the slots found in it again are the same.
      assert.deepEqual(new SlotFinder().find(file, found.parsed).slots, found.slots);
    }),
    { numRuns: 300, seed: 19 },
  );
  assert.ok(seen.made > 30 && seen.refused > 30, `both made and refused edits were tried (${JSON.stringify(seen)})`);
});

test('a parse of another text is not used: the edit is made on the text it is given', () => {
  const text = 'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: web\n    image: ghcr.io/acme/web:1.0.0\n';
  const other = text.replace('1.0.0', '1.5.0');
  const stale = new SlotFinder().find({ path: 'p.yaml', text: other }).parsed;
  const { slots } = new SlotFinder().find({ path: 'p.yaml', text });
  const result = editFiles([{ path: 'p.yaml', text, parsed: stale }], [{ slot: slots[0]!, image: 'ghcr.io/acme/web:1.1.0' }]);
  assert.deepEqual(result.refused, []);
  assert.equal(result.files.get('p.yaml'), text.replace('1.0.0', '1.1.0'));
});
