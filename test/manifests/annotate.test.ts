import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, EditError, findSlots, type AnnotationEdit } from '../../src/manifests/index.ts';

const set = (key: string, value: string, object: AnnotationEdit['object'] = { kind: 'Deployment', name: 'web' }): AnnotationEdit => ({ kind: 'annotation', file: 'app.yaml', object, key, value });
const remove = (key: string, object: AnnotationEdit['object'] = { kind: 'Deployment', name: 'web' }): AnnotationEdit => ({ kind: 'annotation', file: 'app.yaml', object, key, value: null });
const apply = (text: string, ...edits: AnnotationEdit[]) => applyEdits('app.yaml', text, edits);

const head = (metadata: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n${metadata}spec:\n  replicas: 2\n`;

/** The table: the file before, the edit, and the file after, byte for byte. */
const CASES: { name: string; before: string; edit: AnnotationEdit; after: string }[] = [
  {
    name: 'a new key goes at the end of a block map, indented like its neighbours',
    before: head('  name: web\n  annotations:\n    tagpilot.io/automated: "true"   # on\n'),
    edit: set('tagpilot.io/locked', 'true'),
    after: head('  name: web\n  annotations:\n    tagpilot.io/automated: "true"   # on\n    tagpilot.io/locked: "true"\n'),
  },
  {
    name: 'an existing value is replaced in its own quotes',
    before: head('  name: web\n  annotations:\n    tagpilot.io/locked-by: \'ana\'\n    tagpilot.io/locked-reason: "incident 41"\n'),
    edit: set('tagpilot.io/locked-reason', 'incident "42"'),
    after: head('  name: web\n  annotations:\n    tagpilot.io/locked-by: \'ana\'\n    tagpilot.io/locked-reason: "incident \\"42\\""\n'),
  },
  {
    name: 'a plain value stays plain, unless it would read as a boolean',
    before: head('  name: web\n  annotations:\n    owner: ana\n    tagpilot.io/locked: no-way\n'),
    edit: set('tagpilot.io/locked', 'true'),
    after: head('  name: web\n  annotations:\n    owner: ana\n    tagpilot.io/locked: "true"\n'),
  },
  {
    name: 'no annotations: the map is made under metadata, after its last entry',
    before: head('  name: web\n  namespace: shop # the shop\n'),
    edit: set('tagpilot.io/locked', 'true'),
    after: head('  name: web\n  namespace: shop # the shop\n  annotations:\n    tagpilot.io/locked: "true"\n'),
  },
  {
    name: 'the file’s indentation is kept (four spaces)',
    before: 'kind: Deployment\nmetadata:\n    name: web\nspec:\n    replicas: 1\n',
    edit: set('a', 'b'),
    after: 'kind: Deployment\nmetadata:\n    name: web\n    annotations:\n        a: b\nspec:\n    replicas: 1\n',
  },
  {
    name: 'no metadata at all (a kustomization): metadata and annotations are made at the end',
    before: 'images:\n- name: api\n  newTag: "2.0"\n',
    edit: set('tagpilot.io/locked', 'true', {}),
    after: 'images:\n- name: api\n  newTag: "2.0"\nmetadata:\n  annotations:\n    tagpilot.io/locked: "true"\n',
  },
  {
    name: 'a flow map gets the pair inside its braces',
    before: head('  name: web\n  annotations: {tagpilot.io/automated: "true"}\n'),
    edit: set('tagpilot.io/tag.web', 'semver:^1'),
    after: head('  name: web\n  annotations: {tagpilot.io/automated: "true", tagpilot.io/tag.web: "semver:^1"}\n'),
  },
  {
    name: 'flow metadata gets a flow annotations map',
    before: 'kind: Pod\nmetadata: {name: web}\nspec: {}\n',
    edit: set('a', 'b', { kind: 'Pod' }),
    after: 'kind: Pod\nmetadata: {name: web, annotations: {a: b}}\nspec: {}\n',
  },
  {
    name: 'an empty flow map is filled',
    before: head('  name: web\n  annotations: {}\n'),
    edit: set('a', 'b'),
    after: head('  name: web\n  annotations: {a: b}\n'),
  },
  {
    name: 'annotations with no value get their first entry on the next line',
    before: head('  name: web\n  annotations:\n  labels: {app: web}\n'),
    edit: set('a', 'b'),
    after: head('  name: web\n  annotations:\n    a: b\n  labels: {app: web}\n'),
  },
  {
    name: 'removing one of several keys removes its line, trailing comment and all',
    before: head('  name: web\n  annotations:\n    a: "1"\n    tagpilot.io/locked: "true" # until Monday\n    b: "2"\n'),
    edit: remove('tagpilot.io/locked'),
    after: head('  name: web\n  annotations:\n    a: "1"\n    b: "2"\n'),
  },
  {
    name: 'removing the last key removes the annotations map it leaves empty',
    before: head('  name: web\n  annotations:\n    tagpilot.io/locked: "true"\n  labels: {app: web}\n'),
    edit: remove('tagpilot.io/locked'),
    after: head('  name: web\n  labels: {app: web}\n'),
  },
  {
    name: 'removing the last key keeps the map’s own comments, and the key with them',
    before: head('  name: web\n  annotations:\n    # set by tagpilot lock\n    tagpilot.io/locked: "true"\n'),
    edit: remove('tagpilot.io/locked'),
    after: head('  name: web\n  annotations:\n    # set by tagpilot lock\n'),
  },
  {
    name: 'removing from a flow map takes one comma with the pair',
    before: head('  name: web\n  annotations: {a: "1", tagpilot.io/locked: "true", b: "2"}\n'),
    edit: remove('tagpilot.io/locked'),
    after: head('  name: web\n  annotations: {a: "1", b: "2"}\n'),
  },
  {
    name: 'removing a key that is not there changes nothing',
    before: head('  name: web\n  annotations: {a: "1"}\n'),
    edit: remove('tagpilot.io/locked'),
    after: head('  name: web\n  annotations: {a: "1"}\n'),
  },
  {
    name: 'CRLF line endings are kept in the new lines',
    before: head('  name: web\n').replace(/\n/g, '\r\n'),
    edit: set('a', 'b'),
    after: head('  name: web\n  annotations:\n    a: b\n').replace(/\n/g, '\r\n'),
  },
  {
    name: 'a file without a final newline stays without one',
    before: 'kind: Deployment\nmetadata:\n  name: web',
    edit: set('a', 'b'),
    after: 'kind: Deployment\nmetadata:\n  name: web\n  annotations:\n    a: b',
  },
  {
    name: 'in a multi-document file only the named object changes',
    before: `${head('  name: api\n')}---\n${head('  name: web\n')}`,
    edit: set('a', 'b'),
    after: `${head('  name: api\n')}---\n${head('  name: web\n  annotations:\n    a: b\n')}`,
  },
  {
    name: 'an object inside a kind: List, found by kind and name',
    before: 'kind: List\nitems:\n- kind: Deployment\n  metadata:\n    name: web\n  spec: {}\n',
    edit: set('a', 'b'),
    after: 'kind: List\nitems:\n- kind: Deployment\n  metadata:\n    name: web\n    annotations:\n      a: b\n  spec: {}\n',
  },
  {
    name: 'a value with quotes, a colon, a hash or a newline is written double-quoted',
    before: head('  name: web\n'),
    edit: set('tagpilot.io/locked-reason', 'rollback: "bad" #42\nsee ticket'),
    after: head('  name: web\n  annotations:\n    tagpilot.io/locked-reason: "rollback: \\"bad\\" #42\\nsee ticket"\n'),
  },
];

for (const c of CASES) {
  test(`annotation writer: ${c.name}`, () => {
    assert.equal(apply(c.before, c.edit), c.after);
    assert.equal(apply(c.after, c.edit), c.after, 'applying it again changes nothing');
  });
}

test('annotation writer: setting then removing on a workload without annotations gives the file back byte for byte', () => {
  const before = head('  name: web\n');
  const locked = apply(before, set('tagpilot.io/locked', 'true'), set('tagpilot.io/locked-by', 'ana'));
  assert.notEqual(locked, before);
  assert.equal(apply(locked, remove('tagpilot.io/locked'), remove('tagpilot.io/locked-by')), before);
});

test('annotation writer: an image edit and an annotation edit in one call', () => {
  const text = 'kind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: web:1\n';
  const { slots } = findOnly(text);
  const out = applyEdits('app.yaml', text, [{ slot: slots[0]!, image: 'web:2' }, set('tagpilot.io/locked', 'true', { kind: 'Pod' })]);
  assert.equal(out, text.replace('web:1', 'web:2').replace('  name: web\n', '  name: web\n  annotations:\n    tagpilot.io/locked: "true"\n'));
});

const REFUSALS: { name: string; text: string; edit: AnnotationEdit; reason: RegExp }[] = [
  { name: 'no object matches', text: head('  name: api\n'), edit: set('a', 'b'), reason: /no object Deployment\/web/ },
  { name: 'two objects match', text: `${head('  name: web\n')}---\n${head('  name: web\n')}`, edit: set('a', 'b'), reason: /2 objects match/ },
  { name: 'annotations are an alias, shared with others', text: `x: &common {a: "1"}\n${head('  name: web\n  annotations: *common\n')}`, edit: set('b', '2'), reason: /not a mapping/ },
  { name: 'metadata merges another map', text: `base: &base {annotations: {a: "1"}}\n${head('  <<: *base\n  name: web\n')}`, edit: set('b', '2'), reason: /merge key/ },
  { name: 'the annotation is a block scalar', text: head('  name: web\n  annotations:\n    config: |\n      {"a": 1}\n'), edit: set('config', '{}'), reason: /block scalar/ },
  { name: 'the file is not valid YAML', text: `${head('  name: web\n')}  - [oops\n`, edit: set('a', 'b'), reason: /not valid YAML/ },
];

for (const r of REFUSALS) {
  test(`annotation writer refuses when ${r.name}`, () => {
    assert.throws(
      () => apply(r.text, r.edit),
      (error: unknown) => error instanceof EditError && r.reason.test(error.message),
    );
  });
}

function findOnly(text: string) {
  return findSlots([{ path: 'app.yaml', text }]);
}
