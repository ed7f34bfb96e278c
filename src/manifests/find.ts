import { posix } from 'node:path';
import { isMap, isPair, isSeq, visit, type Document, type Scalar } from 'yaml';
import { readAnnotations } from '../policy/annotations.ts';
import { UNLOCKED } from '../policy/lock.ts';
import { parsePolicy, type Policy } from '../policy/policy.ts';
import { makeSlot, type ObjectContext, type SlotDraft, field } from './context.ts';
import { helmSlots, isHelmRelease } from './helm.ts';
import { isKustomization, isKustomizationFile, kustomizationNamespace, kustomizeSlots } from './kustomize.ts';
import { markerAfter, mayHoldMarkers, type Marker } from './markers.ts';
import { isFluxImageObject, namedPolicies, readFluxObject, type FluxObjects } from './named.ts';
import type { FindOptions, ImageSlot, NamedPolicy, Problem, SourceFile } from './types.ts';
import { containerSlots, isWorkloadKind } from './workloads.ts';
import { deref, get, getString, lineOf, parseFile, stringMap, type ParsedFile } from './yaml.ts';

export interface FindResult {
  slots: ImageSlot[];
  problems: Problem[];
}

/** Bigger files are skipped with a problem: manifests are small, and parsing costs memory. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** `kind: List` inside `kind: List` is followed this deep. */
const MAX_LIST_DEPTH = 4;

interface Parsed extends ParsedFile {
  file: SourceFile;
}

/**
 * Finds every image slot in the files. Never throws on content: bad input becomes a problem.
 * Files are parsed one at a time and dropped, except the few that others depend on
 * (kustomizations, Flux image objects), so memory stays flat as repositories grow.
 */
export function findSlots(files: readonly SourceFile[], options: FindOptions = {}): FindResult {
  const result: FindResult = { slots: [], problems: [] };
  const namespaces = new Map<string, string>();
  const flux: FluxObjects = { policies: new Map(), repositories: new Map() };
  const early = new Map<SourceFile, Parsed>();
  for (const file of files) {
    if (!isRepoSetting(file) || tooBig(file, undefined)) continue;
    const p = parse(file);
    early.set(file, p);
    readRepoSettings(p, namespaces, flux, result.problems);
  }
  const named = namedPolicies(options.namedPolicies, flux);
  for (const file of files) {
    if (tooBig(file, result.problems)) continue;
    const p = early.get(file) ?? parse(file);
    const markers = mayHoldMarkers(file.text);
    forEachObject(p, namespaces, result.problems, (ctx, object) => {
      findInObject(ctx, object, markers ? named : undefined, result.slots);
    });
  }
  return result;
}

function parse(file: SourceFile): Parsed {
  return { file, ...parseFile(file.text) };
}

function tooBig(file: SourceFile, problems: Problem[] | undefined): boolean {
  if (file.text.length <= MAX_FILE_BYTES) return false;
  problems?.push({ file: file.path, message: `skipped: larger than ${MAX_FILE_BYTES} bytes` });
  return true;
}

function isRepoSetting(file: SourceFile): boolean {
  return isKustomizationFile(file.path) || file.text.includes('image.toolkit.fluxcd.io/');
}

/** First pass: what other files depend on (kustomization namespaces, Flux ImagePolicy objects). */
function readRepoSettings(p: Parsed, namespaces: Map<string, string>, flux: FluxObjects, problems: Problem[]): void {
  const kustomization = isKustomizationFile(p.file.path);
  // Parse errors are reported by the second pass, which reads these files again from the same parse.
  forEachObject(p, new Map(), [], (ctx, object) => {
    const kind = getString(ctx.doc, object, 'kind');
    const apiVersion = getString(ctx.doc, object, 'apiVersion') ?? '';
    if (kustomization && isKustomization(p.file.path, kind, apiVersion)) {
      const namespace = kustomizationNamespace(ctx, object);
      if (namespace !== undefined) namespaces.set(posix.dirname(p.file.path), namespace);
    }
    const meta = get(ctx.doc, object, 'metadata');
    const name = getString(ctx.doc, meta, 'name');
    if (kind !== undefined && name !== undefined && isFluxImageObject(kind, apiVersion)) {
      const namespace = getString(ctx.doc, meta, 'namespace') ?? 'default';
      readFluxObject({ ...ctx, problems }, object, kind, namespace, name, flux);
    }
  });
}

type ObjectVisitor = (ctx: ObjectContext, object: unknown) => void;

/** Calls `visit` for each object in each error-free document: plain, in a top-level array, or in `kind: List`. */
function forEachObject(p: Parsed, namespaces: ReadonlyMap<string, string>, problems: Problem[], visitObject: ObjectVisitor): void {
  for (const doc of p.docs) {
    const error = doc.errors[0];
    if (error !== undefined) {
      problems.push({ file: p.file.path, line: lineOf(p.lines, error.pos[0]), message: `not valid YAML: ${error.message}` });
      continue;
    }
    const each = (node: unknown, depth: number): void => {
      const value = deref(doc, node);
      if (isSeq(value) && depth <= MAX_LIST_DEPTH) {
        for (const item of value.items) each(item, depth + 1);
        return;
      }
      if (!isMap(value)) return;
      const items = getString(doc, value, 'kind') === 'List' ? get(doc, value, 'items') : undefined;
      if (isSeq(items) && depth <= MAX_LIST_DEPTH) return each(items, depth + 1);
      visitObject(objectContext(p, doc, value, namespaces, problems), value);
    };
    each(doc.contents, 0);
  }
}

function objectContext(p: Parsed, doc: Document.Parsed, object: unknown, namespaces: ReadonlyMap<string, string>, problems: Problem[]): ObjectContext {
  const meta = get(doc, object, 'metadata');
  const kind = getString(doc, object, 'kind');
  const name = getString(doc, meta, 'name');
  const annotations = stringMap(doc, get(doc, meta, 'annotations'));
  const ctx: ObjectContext = { path: p.file.path, source: p.file.text, doc, lines: p.lines, annotations, lock: UNLOCKED, problems };
  if (kind !== undefined && name !== undefined) {
    const namespace = getString(doc, meta, 'namespace') ?? enclosingNamespace(namespaces, p.file.path) ?? 'default';
    ctx.workload = `${namespace}:${kind.toLowerCase()}/${name}`;
  }
  // The lock is read for every object, so a lock on a HelmRelease or a marked ConfigMap holds too.
  if (Object.keys(annotations).length > 0) ctx.lock = readAnnotations(annotations, []).lock;
  return ctx;
}

/** The namespace of the nearest kustomization (same directory, then each parent) that sets one. */
function enclosingNamespace(namespaces: ReadonlyMap<string, string>, path: string): string | undefined {
  if (namespaces.size === 0) return undefined;
  let dir = posix.dirname(path);
  for (;;) {
    const found = namespaces.get(dir);
    if (found !== undefined) return found;
    if (dir === '.' || dir === '/' || dir === '') return undefined;
    dir = posix.dirname(dir);
  }
}

function findInObject(ctx: ObjectContext, object: unknown, named: ReadonlyMap<string, NamedPolicy> | undefined, out: ImageSlot[]): void {
  const kind = getString(ctx.doc, object, 'kind');
  const apiVersion = getString(ctx.doc, object, 'apiVersion') ?? '';
  let slots: ImageSlot[] = [];
  if (kind !== undefined && isWorkloadKind(kind, apiVersion)) slots = containerSlots(ctx, object, kind);
  else if (isKustomization(ctx.path, kind, apiVersion)) slots = kustomizeSlots(ctx, object);
  else if (kind !== undefined && isHelmRelease(kind, apiVersion)) slots = helmSlots(ctx, object);
  if (named !== undefined) slots.push(...markerSlots(ctx, object, named, slots));
  out.push(...slots);
}

interface MarkerGroup extends SlotDraft {
  syntax: Marker['syntax'];
}

/**
 * Marked scalars: a marker on a field another rule already found sets that slot's policy;
 * other marked fields form marker slots, grouped by the mapping they sit in (and, for Flux,
 * the policy they name), so `repository:` + `tag:` markers make one slot.
 */
function markerSlots(ctx: ObjectContext, object: unknown, named: ReadonlyMap<string, NamedPolicy>, found: readonly ImageSlot[]): ImageSlot[] {
  if (!isMap(object)) return [];
  const claimed = new Map<number, ImageSlot>();
  for (const slot of found) for (const f of slot.fields) claimed.set(f.start, slot);
  const groups = new Map<unknown, Map<string, MarkerGroup>>();
  visit(object, {
    Scalar(key, node, path) {
      if (key === 'key' || node.range === undefined || node.range === null) return;
      const read = markerAfter(ctx.source, node.range[1]);
      if (read === undefined) return;
      const line = lineOf(ctx.lines, node.range[0]);
      if ('problem' in read) return void ctx.problems.push({ file: ctx.path, line, message: read.problem });
      const { policy, image } = resolvePolicy(ctx, read.marker, named, line);
      const owner = claimed.get(node.range[0]);
      if (owner !== undefined) {
        if (policy !== undefined) owner.policy = policy;
        return;
      }
      const parent = path[path.length - 1];
      const map = read.marker.part !== 'ref' && isPair(parent) ? path[path.length - 2] : node;
      const groupKey = read.marker.syntax === 'flux' ? read.marker.policyName : 'tagpilot';
      addToGroup(ctx, groups, map, groupKey, read.marker, node, policy, image, line);
    },
  });
  const slots: ImageSlot[] = [];
  for (const byKey of groups.values()) {
    for (const group of byKey.values()) {
      const slot = makeSlot(ctx, group);
      if (slot !== undefined) slots.push(slot);
    }
  }
  return slots;
}

function addToGroup(
  ctx: ObjectContext,
  groups: Map<unknown, Map<string, MarkerGroup>>,
  map: unknown,
  key: string,
  marker: Marker,
  node: Scalar,
  policy: Policy | undefined,
  image: string | undefined,
  line: number,
): void {
  const f = field(marker.part, node);
  if (f === undefined) return;
  let byKey = groups.get(map);
  if (byKey === undefined) groups.set(map, (byKey = new Map()));
  const group = byKey.get(key) ?? { kind: 'marker', syntax: marker.syntax, fields: [] };
  byKey.set(key, group);
  if (group.fields.some((g) => g.part === f.part)) {
    ctx.problems.push({ file: ctx.path, line, message: `a second "${f.part}" marker in the same mapping is ignored` });
    return;
  }
  group.fields.push(f);
  if (policy !== undefined) group.policy = policy;
  if (image !== undefined) group.fallbackName = image;
}

function resolvePolicy(ctx: ObjectContext, marker: Marker, named: ReadonlyMap<string, NamedPolicy>, line: number): { policy?: Policy; image?: string } {
  if (marker.syntax === 'flux') {
    const found = named.get(marker.policyName);
    if (found === undefined) ctx.problems.push({ file: ctx.path, line, message: `marker names policy "${marker.policyName}", which is neither in the config nor an ImagePolicy in the repo` });
    return { policy: found?.policy, image: found?.image };
  }
  if (marker.policyText === undefined) return {};
  try {
    return { policy: parsePolicy(marker.policyText) };
  } catch (error) {
    ctx.problems.push({ file: ctx.path, line, message: `marker: ${(error as Error).message}` });
    return {};
  }
}
