import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdits, findSlots, type ImageSlot } from '../../src/manifests/index.ts';

/**
 * The corpus: each `corpus/<case>/` holds `before.yaml`, the `after.yaml` expected byte for
 * byte, and `edits.json`: `{ path, edits: [{ select: {workload?, container?, line?}, image }] }`.
 * `path` is where the file would live in a repo (kustomizations are known by their file name).
 */
interface CorpusCase {
  path: string;
  edits: { select: Partial<Pick<ImageSlot, 'workload' | 'container' | 'line'>>; image: string }[];
}

const root = join(import.meta.dirname, 'corpus');

for (const name of readdirSync(root).sort()) {
  const read = (file: string) => readFileSync(join(root, name, file), 'utf8');
  const spec = JSON.parse(read('edits.json')) as CorpusCase;
  const before = read('before.yaml');
  const after = read('after.yaml');

  test(`corpus ${name}: the edits give after.yaml byte for byte`, () => {
    const { slots, problems } = findSlots([{ path: spec.path, text: before }]);
    assert.deepEqual(
      problems.filter((p) => !p.message.includes('$imagepolicy') && !p.message.includes('marker names')),
      [],
    );
    const edits = spec.edits.map(({ select, image }) => ({ slot: pick(slots, select), image }));
    assert.equal(applyEdits(spec.path, before, edits), after);
  });

  test(`corpus ${name}: applying the same edits to after.yaml changes nothing`, () => {
    const { slots } = findSlots([{ path: spec.path, text: after }]);
    const edits = spec.edits.map(({ select, image }) => ({ slot: pick(slots, select), image }));
    assert.equal(applyEdits(spec.path, after, edits), after);
  });
}

function pick(slots: readonly ImageSlot[], select: CorpusCase['edits'][number]['select']): ImageSlot {
  const found = slots.filter((s) => Object.entries(select).every(([k, v]) => s[k as keyof ImageSlot] === v));
  assert.equal(found.length, 1, `exactly one slot matches ${JSON.stringify(select)}`);
  return found[0]!;
}
