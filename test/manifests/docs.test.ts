import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyText } from '../../src/cli/commands/workloads.ts';
import { decideSlot, isProblem } from '../../src/automation/update.ts';
import { canonicalRepository, parseImageRef } from '../../src/image/index.ts';
import { applyEdits, editFiles, findSlots, type SourceFile } from '../../src/manifests/index.ts';
import type { TagInfo } from '../../src/policy/index.ts';

/**
 * Runs the slot examples of docs/markers.md, docs/slots.md and docs/annotations.md. A `yaml example: PATH` block is a
 * file; a `slots` block lists what findSlots returns for the files since the last check; a
 * `yaml after: FILE:LINE IMAGE` block is that file after setting the slot at FILE:LINE to IMAGE.
 * A `tags` block lists what the registry holds (`REPOSITORY TAG[@DIGEST]...` a line), and a
 * `yaml updated: FILE` block is that file after a cycle's decide and edit steps with those tags.
 */
const FENCE = /^```([^\n]*)\n([\s\S]*?)^```$/gm;

const MIN_EXAMPLES: Record<string, number> = { 'markers.md': 4, 'slots.md': 4, 'annotations.md': 1 };

for (const [doc, minimum] of Object.entries(MIN_EXAMPLES)) {
  const text = readFileSync(join(import.meta.dirname, '../../docs', doc), 'utf8');
  let files: SourceFile[] = [];
  let checked = false;
  let count = 0;
  let registry = new Map<string, TagInfo[]>();
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
    if (info === 'tags') {
      registry = readTags(body);
      continue;
    }
    const updated = /^yaml updated: (\S+)$/.exec(info);
    if (updated) {
      checked = true;
      count++;
      const tags = registry;
      test(`docs/${doc}:${line}: a cycle with the tags shown leaves ${updated[1]} as shown`, () => {
        const path = updated[1]!;
        const before = current.find((f) => f.path === path);
        assert.ok(before, `an example ${path}`);
        assert.equal(cycleEdits(current, tags).get(path) ?? before.text, body);
      });
    }
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
  const { slots, problems, notices } = findSlots(files);
  const lines = slots.map((s) => [`${s.file}:${s.line}`, s.kind, s.workload ?? '-', s.container ?? '-', s.image, policyText(s.policy) ?? '-'].join(' '));
  for (const p of problems) lines.push(`! ${p.file}:${p.line ?? '-'} ${p.message}`);
  for (const n of notices) lines.push(`${n.level}: ${n.file}:${n.line ?? '-'} ${n.message}`);
  return lines.map((l) => `${l}\n`).join('');
}

/** A `tags` block: each line a repository and its tags, `TAG` or `TAG@DIGEST`. */
function readTags(body: string): Map<string, TagInfo[]> {
  const out = new Map<string, TagInfo[]>();
  for (const row of body.split('\n').filter((l) => l.trim() !== '')) {
    const [repository = '', ...tags] = row.trim().split(/\s+/);
    out.set(
      canonicalRepository(parseImageRef(repository)),
      tags.map((t) => {
        const [tag = '', digest] = t.split('@');
        return digest === undefined ? { tag } : { tag, digest };
      }),
    );
  }
  return out;
}

/** The files a cycle would write: every automated slot decided on `tags`, then the one edit path. */
function cycleEdits(files: readonly SourceFile[], tags: ReadonlyMap<string, TagInfo[]>): Map<string, string> {
  const { slots } = findSlots(files);
  const known = (ref: Parameters<typeof canonicalRepository>[0]) => tags.get(canonicalRepository(ref)) ?? new Error(`${canonicalRepository(ref)}: not in the tags block`);
  const edits = slots.flatMap((slot) => {
    const decided = decideSlot(slot, known, new Date('2026-12-01T00:00:00Z'));
    // An example the cycle cannot decide would show an unchanged file for the wrong reason.
    if (isProblem(decided)) assert.fail(`${decided.subject}: ${decided.message}`);
    return decided === undefined ? [] : [decided.edit];
  });
  return editFiles(files, edits).files;
}
