import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyText } from '../../src/cli/commands/workloads.ts';
import { applyEdits, findSlots, type SourceFile } from '../../src/manifests/index.ts';

/**
 * Runs the slot examples of docs/markers.md, docs/slots.md and docs/annotations.md. A `yaml example: PATH` block is a
 * file; a `slots` block lists what findSlots returns for the files since the last check; a
 * `yaml after: FILE:LINE IMAGE` block is that file after setting the slot at FILE:LINE to IMAGE.
 */
const FENCE = /^```([^\n]*)\n([\s\S]*?)^```$/gm;

const MIN_EXAMPLES: Record<string, number> = { 'markers.md': 4, 'slots.md': 4, 'annotations.md': 1 };

for (const [doc, minimum] of Object.entries(MIN_EXAMPLES)) {
  const text = readFileSync(join(import.meta.dirname, '../../docs', doc), 'utf8');
  let files: SourceFile[] = [];
  let checked = false;
  let count = 0;
  for (const match of text.matchAll(FENCE)) {
    const [, info = '', body = ''] = match;
    const line = text.slice(0, match.index).split('\n').length;
    const example = /^yaml example: (\S+)$/.exec(info);
    if (example) {
      if (checked) files = [];
      checked = false;
      files.push({ path: example[1]!, text: body });
      continue;
    }
    const current = files;
    if (info === 'slots') {
      checked = true;
      count++;
      test(`docs/${doc}:${line}: the example has the slots listed`, () => assert.equal(listSlots(current), body));
    }
    const after = /^yaml after: (\S+):(\d+) (\S+)$/.exec(info);
    if (after) {
      checked = true;
      count++;
      test(`docs/${doc}:${line}: setting ${after[1]}:${after[2]} to ${after[3]} gives the text shown`, () => {
        const [, path, slotLine, image] = after;
        const { slots } = findSlots(current);
        const slot = slots.find((s) => s.file === path && s.line === Number(slotLine));
        assert.ok(slot, `a slot at ${path}:${slotLine}`);
        const file = current.find((f) => f.path === path)!;
        assert.equal(applyEdits(path!, file.text, [{ slot, image: image! }]), body);
      });
    }
  }
  test(`docs/${doc} has runnable examples`, () => assert.ok(count >= minimum));
}

function listSlots(files: readonly SourceFile[]): string {
  const { slots, problems } = findSlots(files);
  const lines = slots.map((s) => [`${s.file}:${s.line}`, s.kind, s.workload ?? '-', s.container ?? '-', s.image, policyText(s.policy) ?? '-'].join(' '));
  for (const p of problems) lines.push(`! ${p.file}:${p.line ?? '-'} ${p.message}`);
  return lines.map((l) => `${l}\n`).join('');
}
