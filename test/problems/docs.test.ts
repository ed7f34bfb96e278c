import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODES } from '../../src/problems/index.ts';

const doc = readFileSync(join(import.meta.dirname, '../../docs/problems.md'), 'utf8');
const rows = new Map([...doc.matchAll(/^\| `([a-z0-9-]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]));

test('docs/problems.md lists every code with the meaning the code gives, and no other', () => {
  assert.deepEqual([...rows.keys()].sort(), Object.keys(CODES).sort());
  for (const [code, meaning] of Object.entries(CODES)) assert.equal(rows.get(code), meaning, code);
});
