import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'yaml';
import { plainSafe } from '../../src/manifests/index.ts';

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
