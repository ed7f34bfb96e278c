import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse, type Scalar } from 'yaml';
import { applyEdits, plainSafe, SlotFinder } from '../../src/manifests/index.ts';

/**
 * The edit's shortcuts are exact: each one skips work whose answer is known from the text, and
 * the edit's re-parse checks the result as before.
 */

const plainChar = fc.constantFrom(...'abcdefxyzABEFINTYnoe0123456789_./:@+=-');
const withSlash = fc.tuple(fc.constantFrom(...'aZ09_./'), fc.array(plainChar, { maxLength: 20 }), fc.array(plainChar, { maxLength: 20 })).map(([first, a, b]) => `${first}${a.join('')}/${b.join('')}`);

test('property: a plain value with a slash reads back as that string in YAML 1.2 and 1.1, as plainSafe says without parsing it', () => {
  fc.assert(
    fc.property(withSlash, (value) => {
      const safe = !value.endsWith(':');
      assert.equal(plainSafe(value), safe);
      if (safe) {
        assert.equal(parse(value), value);
        assert.equal(parse(value, { version: '1.1' }), value);
      }
    }),
    { numRuns: 2000, seed: 19 },
  );
});

test('values without a slash are still parsed to decide: numbers, booleans and nulls of either version are quoted', () => {
  assert.deepEqual(
    ['1.10', '1e3', 'yes', 'on', 'null', '1:20', '2001-12-14', 'v1.2.3', '1.2.3'].map((v) => [v, plainSafe(v)]),
    [
      ['1.10', false],
      ['1e3', false],
      ['yes', false],
      ['on', false],
      ['null', false],
      ['1:20', false],
      ['2001-12-14', false],
      ['v1.2.3', true],
      ['1.2.3', true],
    ],
  );
});

test('a local edit is checked on the parse it is given, and its result is not parsed again; any other is parsed again', () => {
  const text = 'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: web\n    image: ghcr.io/acme/web:1.0.0\n    args: [serve]\n';
  const found = new SlotFinder().find({ path: 'p.yaml', text });
  const edits = [{ slot: found.slots[0]!, image: 'ghcr.io/acme/web:1.1.0' }];
  // A parse that differs from the text outside the slot: only a parse of the result can see it.
  const args = found.parsed!.docs[0]!.getIn(['spec', 'containers', 0, 'args', 0], true) as Scalar;
  args.value = 'other';
  assert.equal(applyEdits('p.yaml', text, edits, found.parsed), text.replace('1.0.0', '1.1.0'));
  assert.throws(() => applyEdits('p.yaml', text, edits, found.parsed, 'full'), /would change more than the image fields/);
});
