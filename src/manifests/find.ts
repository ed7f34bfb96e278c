import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import { readAnnotations } from '../policy/annotations.ts';
import type { ImageSlot, Problem, SourceFile } from './types.ts';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Pod']);

export interface FindResult {
  slots: ImageSlot[];
  problems: Problem[];
}

export function findSlots(files: readonly SourceFile[]): FindResult {
  const result: FindResult = { slots: [], problems: [] };
  for (const file of files) findInFile(file, result);
  return result;
}

function findInFile(file: SourceFile, out: FindResult): void {
  const lines = new LineCounter();
  const docs = parseAllDocuments(file.text, { lineCounter: lines });
  if (!Array.isArray(docs)) return;
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error !== undefined) {
      out.problems.push({ file: file.path, line: error.linePos?.[0].line, message: error.message });
      continue;
    }
    findInDocument(file, doc, lines, out);
  }
}

function findInDocument(file: SourceFile, doc: Document, lines: LineCounter, out: FindResult): void {
  const root = doc.contents;
  if (!isMap(root)) return;
  const kind = str(root.get('kind'));
  if (kind === undefined || !WORKLOAD_KINDS.has(kind)) return;
  const meta = root.get('metadata');
  const name = isMap(meta) ? str(meta.get('name')) : undefined;
  if (name === undefined) return;
  const namespace = (isMap(meta) ? str(meta.get('namespace')) : undefined) ?? 'default';
  const workload = `${namespace}:${kind.toLowerCase()}/${name}`;
  const podSpec = kind === 'Pod' ? root.get('spec') : root.getIn(['spec', 'template', 'spec']);
  if (!isMap(podSpec)) return;

  const containers = listContainers(podSpec);
  const annotations = isMap(meta) ? stringMap(meta.get('annotations')) : {};
  const read = readAnnotations(annotations, containers.map((c) => c.name));
  for (const problem of read.problems) out.problems.push({ file: file.path, message: `${workload}: ${problem}` });

  for (const container of containers) {
    const range = container.image.range;
    if (range === undefined || range === null) continue;
    out.slots.push({
      file: file.path,
      line: lines.linePos(range[0]).line,
      kind: 'container',
      workload,
      container: container.name,
      image: String(container.image.value),
      policy: read.automated ? read.policies.get(container.name) : undefined,
      lock: read.lock,
      fields: [{ part: 'ref', start: range[0], end: range[1], value: String(container.image.value) }],
    });
  }
}

function listContainers(podSpec: YAMLMap): { name: string; image: Scalar }[] {
  const found: { name: string; image: Scalar }[] = [];
  for (const key of ['initContainers', 'containers']) {
    const seq = podSpec.get(key);
    if (!isSeq(seq)) continue;
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      const name = str(item.get('name'));
      const image = item.get('image', true);
      if (name !== undefined && isScalar(image) && typeof image.value === 'string') found.push({ name, image });
    }
  }
  return found;
}

function str(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  return undefined;
}

function stringMap(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(node)) return out;
  for (const pair of node.items) {
    const key = str(pair.key);
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (key !== undefined && value !== undefined && value !== null) out[key] = String(value);
  }
  return out;
}

export type { Node };
