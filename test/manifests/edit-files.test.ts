import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editFiles, findSlots, type Edit, type ImageEdit, type SourceFile } from '../../src/manifests/index.ts';

/** A Pod per container name: `web` shares its image with `copy` through an anchor when asked. */
function pod(containers: readonly string[], anchored = false): string {
  const lines = ['kind: Pod', 'metadata: {name: p}', 'spec:', '  containers:'];
  for (const name of containers) lines.push(`  - name: ${name}`, `    image: ${anchored && name === 'web' ? '&img ' : ''}ghcr.io/acme/${name}:1.0.0`);
  if (anchored) lines.push('  - name: copy', '    image: *img');
  return `${lines.join('\n')}\n`;
}

function editsFor(file: SourceFile, images: Record<string, string>): ImageEdit[] {
  return findSlots([file])
    .slots.filter((s) => s.container !== undefined && images[s.container] !== undefined)
    .map((slot) => ({ slot, image: images[slot.container!]! }));
}

test('one refused slot leaves the other edits of its file standing, and is reported with file, line and reason', () => {
  const file = { path: 'apps/p.yaml', text: pod(['a', 'web', 'b'], true) };
  const edits = editsFor(file, { a: 'ghcr.io/acme/a:1.1.0', web: 'ghcr.io/acme/web:1.1.0', b: 'ghcr.io/acme/b:1.1.0' });
  const result = editFiles([file], edits);
  assert.equal(result.files.get('apps/p.yaml'), file.text.replace('/a:1.0.0', '/a:1.1.0').replace('/b:1.0.0', '/b:1.1.0'));
  assert.deepEqual(
    result.refused.map((p) => [p.code, p.subject, p.file, p.line]),
    [['edit-refused', 'apps/p.yaml:8', 'apps/p.yaml', 8]],
  );
  assert.match(result.refused[0]!.message, /aliases the edited value/);
  assert.deepEqual(
    [...result.applied].map((e) => (e as ImageEdit).slot.container),
    ['a', 'b'],
  );
});

test('slots that share a field are edited together or not at all: both to one image is made', () => {
  const file = { path: 'p.yaml', text: pod(['web'], true) };
  const edits = editsFor(file, { web: 'ghcr.io/acme/web:1.1.0', copy: 'ghcr.io/acme/web:1.1.0' });
  const result = editFiles([file], edits);
  assert.deepEqual(result.refused, []);
  assert.equal(result.files.get('p.yaml'), file.text.replace('web:1.0.0', 'web:1.1.0'));
  assert.equal(result.applied.size, 2);
});

test('slots that share a field and want different images are refused together', () => {
  const file = { path: 'p.yaml', text: pod(['a', 'web'], true) };
  const edits = editsFor(file, { a: 'ghcr.io/acme/a:2.0.0', web: 'ghcr.io/acme/web:1.1.0', copy: 'ghcr.io/acme/web:1.2.0' });
  const result = editFiles([file], edits);
  assert.equal(result.files.get('p.yaml'), file.text.replace('/a:1.0.0', '/a:2.0.0'));
  assert.equal(result.refused.length, 1);
  assert.match(result.refused[0]!.message, /two edits want/);
});

test('many good edits and a few bad ones: every good one is made, every bad one reported once', () => {
  const names = Array.from({ length: 40 }, (_, i) => `c${i}`);
  const file = { path: 'p.yaml', text: pod(names) };
  const bad = new Set(['c3', 'c17', 'c38']);
  // A bad edit asks for something that is no image reference.
  const images = Object.fromEntries(names.map((n) => [n, bad.has(n) ? 'not a reference' : `ghcr.io/acme/${n}:1.1.0`]));
  const result = editFiles([file], editsFor(file, images));
  let expected = file.text;
  for (const n of names) if (!bad.has(n)) expected = expected.replace(`/${n}:1.0.0`, `/${n}:1.1.0`);
  assert.equal(result.files.get('p.yaml'), expected);
  assert.equal(result.applied.size, 37);
  assert.deepEqual(
    result.refused.map((p) => p.line).sort((a, b) => a! - b!),
    [12, 40, 82],
  );
});

test('a file full of refused edits is tried a bounded number of times; the edits not tried are refused, saying so', () => {
  const names = Array.from({ length: 60 }, (_, i) => `c${i}`);
  const file = { path: 'p.yaml', text: pod(names) };
  const result = editFiles([file], editsFor(file, Object.fromEntries(names.map((n) => [n, 'not a reference']))));
  assert.equal(result.files.size, 0);
  assert.equal(result.refused.length, 60, 'each edit is reported once');
  const untried = result.refused.filter((p) => /not tried: too many of this file's edits are refused/.test(p.message));
  // The tries settle the first units alone; the rest are not tried.
  assert.ok(untried.length > 0 && untried.length < 60, `${untried.length} not tried`);
});

test('the annotation edits of a file are one unit, beside the image edits', () => {
  const file = { path: 'p.yaml', text: pod(['a']) };
  const image = editsFor(file, { a: 'ghcr.io/acme/a:1.1.0' });
  const annotations: Edit[] = [
    { kind: 'annotation', file: 'p.yaml', object: { name: 'p' }, key: 'tagpilot.io/locked', value: 'true' },
    { kind: 'annotation', file: 'p.yaml', object: { name: 'nope' }, key: 'tagpilot.io/locked-by', value: 'ana' },
  ];
  const result = editFiles([file], [...image, ...annotations]);
  assert.equal(result.files.get('p.yaml'), file.text.replace('/a:1.0.0', '/a:1.1.0'));
  assert.deepEqual(
    result.refused.map((p) => p.subject),
    ['p.yaml'],
  );
  assert.deepEqual([...result.applied], image);
});

test('an edit for a file that was not read is refused; the other files are edited', () => {
  const file = { path: 'p.yaml', text: pod(['a']) };
  const [edit] = editsFor(file, { a: 'ghcr.io/acme/a:1.1.0' });
  const result = editFiles([file], [edit!, { ...edit!, slot: { ...edit!.slot, file: 'gone.yaml' } }]);
  assert.deepEqual([...result.files.keys()], ['p.yaml']);
  assert.deepEqual(
    result.refused.map((p) => [p.code, p.subject]),
    [['edit-refused', 'gone.yaml']],
  );
});
