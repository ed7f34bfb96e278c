import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, type Document, type Scalar } from 'yaml';
import { editFiles, SlotFinder, type ImageEdit, type SourceFile } from '../../src/manifests/index.ts';
import { pod, podInput, summary } from './random-pods.ts';
import { isLocalEdit, withValues, type LocalSplice } from '../../src/manifests/local-edit.ts';
import { eachNode, parseFile, type ParsedFile } from '../../src/manifests/yaml.ts';

/**
 * An edit the fast check calls local is checked on the parse as read, without parsing its result
 * (src/manifests/local-edit.ts). On random documents (quoting styles, block scalars, anchors and
 * aliases, merge keys, tags, comments, flow collections, multi-line scalars, several documents)
 * and random new values (tokens, numbers, booleans, indicators, quotes, spaces, newlines), every
 * splice it calls local parses to the same documents but for that scalar's value, with the same
 * errors, and no alias reaches the scalar; and whole edits checked both ways agree.
 */

const value = fc.constantFrom('web', 'ghcr.io/acme/web:1.0.0', 'ghcr.io/acme/web:1.0.0', '1.0.0', '1.10', 'yes', 'null', '~', 'a:b', 'v1', '0x1f', '2001-12-14', 'x#y', 'a b');
const name = fc.constantFrom('image', 'tag', 'name', 'repository', 'x');
/** Often false: most values carry neither anchor nor tag. */
const seldom = fc.integer({ min: 0, max: 3 }).map((n) => n === 0);
const entries = <T>(node: fc.Arbitrary<T>, maxLength: number) => fc.uniqueArray(fc.tuple(name, node), { minLength: 1, maxLength, selector: ([key]) => key });

type Node =
  | { kind: 'scalar'; style: 'plain' | 'double' | 'single' | 'literal' | 'folded' | 'multi'; value: string; anchor: boolean; tag: string | undefined; comment: boolean }
  | { kind: 'alias'; to: number }
  | { kind: 'map'; flow: boolean; anchor: boolean; merge: number | undefined; items: [string, Node][] }
  | { kind: 'seq'; flow: boolean; anchor: boolean; items: Node[] };

const scalar = fc.record({
  kind: fc.constant('scalar' as const),
  style: fc.constantFrom('plain', 'plain', 'double', 'single', 'literal', 'folded', 'multi'),
  value,
  anchor: seldom,
  tag: fc.constantFrom(undefined, undefined, undefined, '!!str', '!!int', '!!float', '!local'),
  comment: fc.boolean(),
});
const { node: nodeArb } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    scalar,
    fc.record({ kind: fc.constant('alias' as const), to: fc.nat(9) }),
    fc.record({ kind: fc.constant('map' as const), flow: fc.boolean(), anchor: seldom, merge: fc.option(fc.nat(9), { nil: undefined }), items: entries(tie('node'), 4) }),
    fc.record({ kind: fc.constant('seq' as const), flow: fc.boolean(), anchor: seldom, items: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
  ) as fc.Arbitrary<Node>,
}));
const documents = fc.array(entries(nodeArb, 5), { minLength: 1, maxLength: 2 });

/** Writes the generated tree as YAML; anchors are numbered in order, aliases name an earlier one (or none yet: a bad alias). */
class Writer {
  private anchors: string[] = [];
  private mapAnchors: string[] = [];

  doc(items: [string, Node][]): string {
    this.anchors = [];
    this.mapAnchors = [];
    return items.map(([key, node]) => this.entry(key, node, 0)).join('');
  }

  private entry(key: string, node: Node, indent: number): string {
    const pad = ' '.repeat(indent);
    if ((node.kind === 'map' || node.kind === 'seq') && !node.flow) return `${pad}${key}:${this.props(node)}\n${this.block(node, indent + 2)}`;
    return `${pad}${key}: ${this.inline(node, indent + 2)}\n`;
  }

  private block(node: Extract<Node, { kind: 'map' | 'seq' }>, indent: number): string {
    const pad = ' '.repeat(indent);
    if (node.kind === 'seq') return node.items.map((item) => ((item.kind === 'map' || item.kind === 'seq') && !item.flow ? `${pad}-${this.props(item)}\n${this.block(item, indent + 2)}` : `${pad}- ${this.inline(item, indent + 2)}\n`)).join('');
    const merge = this.merge(node);
    return (merge === undefined ? '' : `${pad}<<: *${merge}\n`) + node.items.map(([key, item]) => this.entry(key, item, indent)).join('');
  }

  private inline(node: Node, indent: number): string {
    if (node.kind === 'alias') return this.alias(node.to) ?? 'web';
    if (node.kind === 'scalar') return this.scalar(node, indent);
    const props = this.props(node).trimStart();
    const lead = props === '' ? '' : `${props} `;
    if (node.kind === 'seq') return `${lead}[${node.items.map((item) => this.flowItem(item)).join(', ')}]`;
    const merge = this.merge(node);
    return `${lead}{${[...(merge === undefined ? [] : [`<<: *${merge}`]), ...node.items.map(([key, item]) => `${key}: ${this.flowItem(item)}`)].join(', ')}}`;
  }

  /** Inside a flow collection every node is written in flow style. */
  private flowItem(node: Node): string {
    if (node.kind === 'scalar') return this.scalar({ ...node, style: node.style === 'literal' || node.style === 'folded' || node.style === 'multi' ? 'double' : node.style, comment: false }, 0);
    if (node.kind === 'alias') return this.alias(node.to) ?? 'web';
    return this.inline({ ...node, flow: true } as Node, 0);
  }

  private scalar(node: Extract<Node, { kind: 'scalar' }>, indent: number): string {
    const anchor = node.anchor ? this.anchor(false) : undefined;
    const props = [node.tag, anchor === undefined ? undefined : `&${anchor}`].filter(Boolean).join(' ');
    const lead = props === '' ? '' : `${props} `;
    const comment = node.comment ? ' # note' : '';
    const pad = ' '.repeat(indent);
    switch (node.style) {
      case 'double':
        return `${lead}"${node.value}"${comment}`;
      case 'single':
        return `${lead}'${node.value}'${comment}`;
      case 'literal':
        return `${lead}|${comment}\n${pad}${node.value}`.trimEnd();
      case 'folded':
        return `${lead}>-\n${pad}${node.value}`.trimEnd();
      case 'multi':
        return `${lead}${node.value}\n${pad}more`;
      default:
        return `${lead}${node.value}${comment}`;
    }
  }

  private props(node: { anchor: boolean; kind: string }): string {
    return node.anchor ? ` &${this.anchor(node.kind === 'map')}` : '';
  }

  private anchor(map: boolean): string {
    const anchor = `a${this.anchors.length}`;
    this.anchors.push(anchor);
    if (map) this.mapAnchors.push(anchor);
    return anchor;
  }

  /** An earlier anchor, if there is one. */
  private alias(to: number): string | undefined {
    return this.anchors.length === 0 ? undefined : `*${this.anchors[to % this.anchors.length]}`;
  }

  private merge(node: Extract<Node, { kind: 'map' }>): string | undefined {
    return node.merge === undefined || this.mapAnchors.length === 0 ? undefined : this.mapAnchors[node.merge % this.mapAnchors.length];
  }
}

function yamlText(docs: [string, Node][][]): string {
  const writer = new Writer();
  return docs.map((doc) => writer.doc(doc)).join('---\n');
}

const newValue = fc.oneof(
  // Safe tokens, and keys the documents use (a key spliced to one would repeat it).
  { arbitrary: fc.constantFrom('ghcr.io/acme/web:1.1.0', '1.1.0', 'v2', 'web2', 'registry:5000/team/app@sha256:abc', 'a/b:c', 'x_y.z+1=2-3', 'image', 'tag', 'name'), weight: 3 },
  fc.constantFrom('ghcr.io/acme/web:1.1.0', '1.1.0', '1.10', '1.2', 'true', 'yes', 'on', 'null', '~', '...', '---', 'a:', '-a', 'a: b', 'a #b', 'x,y', '[x]', '{x}', "it's", 'say "hi"', 'back\\slash', '', '1:20', '2001-12-14', '0o17', '.inf', '@x', 'a\nb', 'registry:5000/team/app@sha256:abc'),
  fc.array(fc.constantFrom(...'aZ09./:-_@+= #,[]{}"\'\\!&*~?|>%\n'), { minLength: 1, maxLength: 10 }).map((chars) => chars.join('')),
  fc.array(fc.constantFrom(...'aZ09./:-_@+='), { minLength: 1, maxLength: 10 }).map((chars) => chars.join('')),
);

/** The text an edit writes for `value` in the scalar's style: plain as it is (the fast check decides whether that is safe), quoted with escapes. */
function written(node: Scalar, value: string): string {
  if (node.type === 'QUOTE_DOUBLE') return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replaceAll('\n', '\\n')}"`;
  if (node.type === 'QUOTE_SINGLE') return `'${value.replaceAll("'", "''")}'`;
  return value;
}

function scalars(file: ParsedFile): Scalar[] {
  const out: Scalar[] = [];
  for (const doc of file.docs) eachNode(doc, (node) => (isScalar(node) && node.range ? void out.push(node) : undefined) ?? false);
  return out;
}

/** The documents as a plain structure: every node's kind and properties, scalars' values, aliases' names, comments. */
function shape(doc: Document): unknown[] {
  const out: unknown[] = [doc.errors.map((e) => e.code), doc.commentBefore, doc.comment];
  eachNode(doc, (node) => {
    if (isScalar(node)) out.push(['scalar', Number.isNaN(node.value) ? 'NaN' : node.value, node.type, node.anchor, node.tag, node.comment, node.commentBefore]);
    else if (isAlias(node)) out.push(['alias', node.source]);
    else if (isPair(node)) out.push(['pair']);
    else if (isCollection(node)) out.push([isMap(node) ? 'map' : 'seq', node.items.length, node.anchor, node.tag, node.flow, node.comment, node.commentBefore]);
    return false;
  });
  return out;
}

/** Whether an alias of the document reaches `target` (its anchored node holds it). */
function aliasReaches(doc: Document, target: Scalar): boolean {
  let reached = false;
  eachNode(doc, (node) => {
    if (!isAlias(node)) return false;
    const source = node.resolve(doc);
    if (source === target) reached = true;
    else if (isMap(source) || isSeq(source)) eachNode({ contents: source } as Document, (inner) => (inner === target ? (reached = true) : false));
    return reached;
  });
  return reached;
}

test('property: a splice the fast check calls local parses to the same documents but for its own value, and no alias reaches it', () => {
  const seen = { local: 0, notLocal: 0 };
  fc.assert(
    fc.property(documents, fc.nat(), newValue, (docs, pick, next) => {
      const text = yamlText(docs);
      const before = parseFile(text);
      if (before.docs.some((d) => d.errors.length > 0)) return;
      const all = scalars(before);
      const node = all[pick % all.length];
      if (node === undefined) return;
      const splice: LocalSplice = { node, written: written(node, next), value: next };
      if (!isLocalEdit(before, [splice])) {
        seen.notLocal++;
        return;
      }
      seen.local++;
      const [start, end] = node.range!;
      const after = parseFile(text.slice(0, start) + splice.written + text.slice(end));
      assert.equal(after.docs.length, before.docs.length);
      const expected = withValues([splice], () => before.docs.map(shape));
      assert.deepEqual(after.docs.map(shape), expected, `${JSON.stringify(text)}: ${JSON.stringify(next)} at ${start}`);
      assert.ok(!before.docs.some((doc) => aliasReaches(doc, node)), 'no alias reaches a local splice');
      // The parse is put back as it was.
      assert.deepEqual(before.docs.map(shape), parseFile(text).docs.map(shape));
    }),
    { numRuns: 4000, seed: 19 },
  );
  assert.ok(seen.local > 300 && seen.notLocal > 300, `both local and other splices were tried (${JSON.stringify(seen)})`);
});

const tag = fc.constantFrom('1.0.0', '1.1.0', '2.0.0', '1.10', 'latest', '1.2.3-rc.1');

test('property: edits checked on the parse as read when local are the edits checked by parsing every result', () => {
  const seen = { made: 0, refused: 0 };
  fc.assert(
    fc.property(podInput, fc.array(fc.option(tag, { nil: undefined }), { maxLength: 8 }), (input, nexts) => {
      const file: SourceFile = { path: 'apps/p.yaml', text: Array.from({ length: input.docs }, (_, d) => pod(input, d)).join('---\n') };
      const found = new SlotFinder().find(file);
      const edits: ImageEdit[] = found.slots.flatMap((slot, i) => (nexts[i] === undefined ? [] : [{ slot, image: slot.image.replace(/:[^:]+$/, `:${nexts[i]}`) }]));
      const full = editFiles([{ ...file, parsed: found.parsed }], edits, 'full');
      const fast = editFiles([{ ...file, parsed: found.parsed }], edits);
      assert.deepEqual(summary(fast), summary(full));
      if (fast.files.size > 0) seen.made++;
      if (fast.refused.length > 0) seen.refused++;
      assert.deepEqual(new SlotFinder().find(file, found.parsed).slots, found.slots, 'the parse is put back as it was');
    }),
    { numRuns: 500, seed: 19 },
  );
  assert.ok(seen.made > 50 && seen.refused > 50, `both made and refused edits were tried (${JSON.stringify(seen)})`);
});
