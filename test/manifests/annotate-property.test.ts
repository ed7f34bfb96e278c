import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Document, isMap, isScalar, parseAllDocuments, type Scalar } from 'yaml';
import { applyEdits, type AnnotationEdit } from '../../src/manifests/index.ts';

/**
 * On random workloads (annotations absent, null, empty, block or flow; values in every quoting
 * style, with quotes, colons, hashes and newlines; comments; indentation 2 to 4; LF or CRLF;
 * random documents around it), setting or removing an annotation: never refuses a shape it was
 * made for, reads back as exactly that change with everything else equal, changes one span of
 * bytes inside the object's metadata, keeps every comment and line ending, and is idempotent.
 */

const KEYS = ['tagpilot.io/locked', 'tagpilot.io/locked-by', 'example.com/owner', 'note', 'a.b/c_d'];
const key = fc.constantFrom(...KEYS);
const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('true', '1.10', 'yes', 'null', '', "it's", 'a: b', 'x # y', 'two\nlines', '"quoted"'));
const style = fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE') as fc.Arbitrary<Scalar.Type>;
const comment = fc.option(fc.stringMatching(/^[a-z][a-z0-9 ]{0,12}$/), { nil: undefined });
const treeKey = fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(treeKey, tie('tree'), { maxKeys: 3 })),
}));

const input = fc.record({
  metadata: fc.constantFrom('absent', 'block', 'flow'),
  annotations: fc.constantFrom('absent', 'null', 'block', 'flow'),
  entries: fc.uniqueArray(fc.record({ key, value, style, comment }), { selector: (e) => e.key, maxLength: 4 }),
  mapComment: comment,
  labels: fc.dictionary(treeKey, fc.string({ maxLength: 6 }), { maxKeys: 2 }),
  before: fc.option(tree, { nil: undefined }),
  after: fc.option(tree, { nil: undefined }),
  indent: fc.integer({ min: 2, max: 4 }),
  indentSeq: fc.boolean(),
  crlf: fc.boolean(),
  op: fc.oneof(fc.record({ key, value: value as fc.Arbitrary<string | null> }), fc.record({ key, value: fc.constant(null) })),
});

type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

/** Each entry's comment, told apart from the others' by its key: two entries may draw the same text. */
function commentOf(entry: Input['entries'][number]): string {
  return `${entry.comment} on ${entry.key}`;
}

function workload(i: Input): Document {
  const object: Record<string, unknown> = { apiVersion: 'apps/v1', kind: 'Deployment' };
  if (i.metadata !== 'absent') {
    const metadata: Record<string, unknown> = { name: 'web', ...(Object.keys(i.labels).length > 0 ? { labels: i.labels } : {}) };
    if (i.annotations === 'null') metadata.annotations = null;
    if (i.annotations === 'block' || i.annotations === 'flow') metadata.annotations = Object.fromEntries(i.entries.map((e) => [e.key, e.value]));
    object.metadata = metadata;
  }
  object.spec = { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.0.0' }] } } };
  const doc = new Document(object);
  const metadata = doc.get('metadata', true);
  if (isMap(metadata)) {
    metadata.flow = i.metadata === 'flow';
    const annotations = metadata.get('annotations', true);
    if (isMap(annotations)) {
      annotations.flow = i.metadata === 'flow' || i.annotations === 'flow';
      for (const entry of i.entries) {
        const node = annotations.get(entry.key, true);
        if (!isScalar(node)) continue;
        node.type = entry.style;
        // Comments only where YAML can hold them: block maps, one entry a line.
        if (!annotations.flow && entry.comment !== undefined) node.comment = commentOf(entry);
      }
      if (!annotations.flow && i.mapComment !== undefined && annotations.items[0] !== undefined) (annotations.items[0].key as Scalar).commentBefore = i.mapComment;
    }
  }
  return doc;
}

function render(i: Input): string {
  const options = { indent: i.indent, indentSeq: i.indentSeq };
  const docs = [i.before, undefined, i.after].map((tree, at) => (at === 1 ? workload(i) : tree === undefined ? undefined : new Document(tree)));
  const text = docs.flatMap((d) => (d === undefined ? [] : [d.toString(options)])).join('---\n');
  return i.crlf ? text.replace(/\n/g, '\r\n') : text;
}

/** What the workload's annotations must read as after the edit, from the model alone. */
function expectedAnnotations(i: Input): unknown {
  const had = i.metadata === 'absent' || i.annotations === 'absent' ? undefined : i.annotations === 'null' ? null : Object.fromEntries(i.entries.map((e) => [e.key, e.value]));
  const { key, value } = i.op;
  if (value !== null) return { ...(had ?? {}), [key]: value };
  if (had === undefined || had === null || !(key in had)) return had;
  const { [key]: _gone, ...rest } = had;
  return Object.keys(rest).length === 0 ? 'empty' : rest;
}

function workloadOf(text: string): { index: number; docs: unknown[] } {
  const docs = parseAllDocuments(text).map((d) => d.toJS());
  return { index: docs.findIndex((d) => (d as { kind?: unknown } | null)?.kind === 'Deployment'), docs };
}

test('property: an annotation edit is exactly that edit, in one span, comments and endings kept', () => {
  fc.assert(
    fc.property(input, (i) => {
      const text = render(i);
      const edit: AnnotationEdit = { kind: 'annotation', file: 'app.yaml', object: { kind: 'Deployment', ...(i.metadata === 'absent' ? {} : { name: 'web' }) }, key: i.op.key, value: i.op.value };
      const out = applyEdits('app.yaml', text, [edit]);

      const before = workloadOf(text);
      const after = workloadOf(out);
      const wanted = expectedAnnotations(i);
      const got = (after.docs[after.index] as { metadata?: { annotations?: unknown } }).metadata?.annotations;
      if (wanted === 'empty') assert.ok(got === undefined || got === null, `emptied annotations read ${JSON.stringify(got)}`);
      else assert.deepEqual(got, wanted);
      // Everything else reads as before.
      const strip = (docs: unknown[], at: number) => docs.map((d, n) => (n === at ? { ...(d as object), metadata: { ...((d as { metadata?: object }).metadata ?? {}), annotations: 'x' } } : d));
      const bare = (docs: unknown[], at: number) => strip(docs, at).map((d, n) => (n === at && JSON.stringify((d as { metadata: object }).metadata) === '{"annotations":"x"}' ? { ...(d as object), metadata: undefined } : d));
      assert.deepEqual(bare(after.docs, after.index), bare(before.docs, before.index));

      // One span changed, inside the workload's metadata (or where a new metadata goes).
      let prefix = 0;
      while (prefix < text.length && prefix < out.length && text[prefix] === out[prefix]) prefix++;
      let suffix = 0;
      while (suffix < text.length - prefix && suffix < out.length - prefix && text[text.length - 1 - suffix] === out[out.length - 1 - suffix]) suffix++;
      const changed = text.slice(prefix, text.length - suffix);
      assert.ok(!/\b(apiVersion|kind|spec|replicas|image|labels)\b/.test(changed), `changed ${JSON.stringify(changed)}`);

      for (const entry of i.entries) if (entry.comment !== undefined && entry.key !== i.op.key) assert.equal(out.split(`#${commentOf(entry)}`).length, text.split(`#${commentOf(entry)}`).length, 'comments kept');
      if (i.crlf) assert.ok(!/(^|[^\r])\n/.test(out), 'CRLF kept');
      assert.equal(applyEdits('app.yaml', out, [edit]), out, 'idempotent');
    }),
    { numRuns: 300 },
  );
});
