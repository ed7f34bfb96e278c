import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Document, isScalar, type Scalar } from 'yaml';
import { applyEdits, findSlots } from '../../src/manifests/index.ts';

/**
 * On random valid YAML (random neighbours, nesting, quoting, comments, indentation, line
 * endings), an edit changes only the bytes of the image scalar: the text before it and the
 * text after it are the same, and the file now holds the new image.
 */

const key = fc.stringMatching(/^[a-z][a-zA-Z0-9_-]{0,8}$/);
const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(key, tie('tree'), { maxKeys: 3 })),
}));
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,15}$/);
const style = fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE') as fc.Arbitrary<Scalar.Type>;
const comment = fc.option(fc.stringMatching(/^[ a-zA-Z0-9:#"'{}-]{0,20}$/), { nil: undefined });

const input = fc.record({
  before: tree,
  extra: fc.dictionary(key, tree, { maxKeys: 4 }),
  after: tree,
  oldTag: tag,
  newTag: tag,
  style,
  comment,
  indent: fc.integer({ min: 2, max: 4 }),
  indentSeq: fc.boolean(),
  crlf: fc.boolean(),
});

test('property: an edit changes only the intended span', () => {
  fc.assert(
    fc.property(input, (i) => {
      const deployment = new Document({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', labels: i.extra },
        spec: { template: { spec: { containers: [{ name: 'web', image: `ghcr.io/org/web:${i.oldTag}`, env: i.extra }] } } },
      });
      const image = deployment.getIn(['spec', 'template', 'spec', 'containers', 0, 'image'], true);
      if (!isScalar(image)) throw new Error('no image node');
      image.type = i.style;
      if (i.comment !== undefined) image.comment = i.comment;
      const options = { indent: i.indent, indentSeq: i.indentSeq };
      const docs = [new Document(i.before), deployment, new Document(i.after)].map((d) => d.toString(options));
      let text = docs.join('---\n');
      if (i.crlf) text = text.replace(/\n/g, '\r\n');

      const { slots } = findSlots([{ path: 'app.yaml', text }]);
      const slot = slots.find((s) => s.workload === 'default:deployment/web');
      assert.ok(slot, 'the deployment slot is found');
      const { start, end } = slot.fields[0]!;
      const wanted = `ghcr.io/org/web:${i.newTag}`;
      const out = applyEdits('app.yaml', text, [{ slot, image: wanted }]);
      assert.equal(out.slice(0, start), text.slice(0, start));
      assert.equal(out.slice(out.length - (text.length - end)), text.slice(end));
      const now = findSlots([{ path: 'app.yaml', text: out }]).slots.find((s) => s.workload === slot.workload);
      assert.equal(now?.image, wanted);
    }),
    { numRuns: 300 },
  );
});
