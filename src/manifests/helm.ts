import { isMap, isScalar, type Scalar } from 'yaml';
import { readAnnotations } from '../policy/index.ts';
import { field, makeSlot, present, reportAnnotations, type ObjectContext, type SlotDraft } from './context.ts';
import type { ImageSlot, SlotField } from './types.ts';
import { deref, get, getMap, keyName } from './yaml.ts';
import { fileProblem } from '../problems/index.ts';

/** The container name Flux v1 gave an image found directly under `values:`. */
export const CHART_IMAGE = 'chart-image';

/** Flux v2's HelmRelease, Flux v1's (helm-operator) and its predecessor, FluxHelmRelease. */
export function isHelmRelease(kind: string, apiVersion: string): boolean {
  if (kind === 'FluxHelmRelease') return apiVersion.startsWith('helm.integrations.flux.weave.works/');
  return kind === 'HelmRelease' && (apiVersion.startsWith('helm.fluxcd.io/') || apiVersion.startsWith('helm.toolkit.fluxcd.io/'));
}

/**
 * Images in `spec.values`, in the shapes Flux v1 recognised, directly under `values`
 * (container `chart-image`) or one map below it (container = that key).
 */
export function helmSlots(ctx: ObjectContext, object: unknown): ImageSlot[] {
  const values = getMap(ctx.doc, get(ctx.doc, object, 'spec'), 'values');
  if (values === undefined) return [];
  const drafts: SlotDraft[] = [];
  const top = interpret(ctx, values, CHART_IMAGE);
  if (top !== undefined) drafts.push(top);
  for (const pair of values.items) {
    const key = keyName(pair.key);
    const sub = deref(ctx.doc, pair.value);
    if (key === undefined || key === 'image' || !isMap(sub)) continue;
    const draft = interpret(ctx, sub, key);
    if (draft !== undefined) drafts.push(draft);
  }
  // Paths named in Flux v1 annotations win over what was found by shape for the same container.
  for (const mapped of mappedDrafts(ctx, values)) {
    const at = drafts.findIndex((d) => d.container === mapped.container);
    if (at >= 0) drafts.splice(at, 1);
    drafts.push(mapped);
  }
  const read = readAnnotations(
    ctx.annotations,
    drafts.map((d) => d.container ?? CHART_IMAGE),
  );
  reportAnnotations(ctx, read.problems);
  return drafts.map((d) => makeSlot(ctx, { ...d, policy: read.automated ? read.policies.get(d.container ?? CHART_IMAGE) : undefined })).filter(present);
}

function interpret(ctx: ObjectContext, map: unknown, container: string): SlotDraft | undefined {
  const image = get(ctx.doc, map, 'image');
  if (isScalar(image)) {
    const tag = scalarAt(ctx, map, 'tag');
    if (tag === undefined) return one(container, [field('ref', image)]);
    return one(container, [field('registry', scalarAt(ctx, map, 'registry')), field('name', image), field('tag', tag)]);
  }
  const repository = scalarAt(ctx, image, 'repository');
  if (!isMap(image) || repository === undefined) return undefined;
  const parts = [field('registry', scalarAt(ctx, image, 'registry')), field('name', repository), field('tag', scalarAt(ctx, image, 'tag')), field('digest', scalarAt(ctx, image, 'digest'))];
  return one(container, parts);
}

function one(container: string, parts: readonly (SlotField | undefined)[]): SlotDraft | undefined {
  const fields = parts.filter(present);
  return fields.length === 0 ? undefined : { kind: 'helm', container, fields };
}

function scalarAt(ctx: ObjectContext, map: unknown, key: string): Scalar | undefined {
  const node = get(ctx.doc, map, key);
  return isScalar(node) ? node : undefined;
}

/** Flux v1 annotations naming where a container's image lives in the values: `<part>.fluxcd.io/<container>: dotted.path`. */
const MAPPED_PARTS = [
  ['image', 'ref'],
  ['registry', 'registry'],
  ['repository', 'name'],
  ['tag', 'tag'],
] as const;

function mappedDrafts(ctx: ObjectContext, values: unknown): SlotDraft[] {
  const byContainer = new Map<string, SlotField[]>();
  for (const [annotation, path] of Object.entries(ctx.annotations)) {
    const slash = annotation.indexOf('/');
    const mapped = MAPPED_PARTS.find(([prefix]) => annotation.slice(0, slash) === `${prefix}.fluxcd.io`);
    if (slash < 0 || mapped === undefined) continue;
    const container = annotation.slice(slash + 1);
    const node = path.split('.').reduce<unknown>((at, key) => get(ctx.doc, at, key), values);
    const found = isScalar(node) ? field(mapped[1], node) : undefined;
    if (found === undefined) {
      ctx.problems.push(fileProblem('annotation-invalid', ctx.path, `${ctx.workload}: ${annotation}: no value at "${path}" under spec.values`));
      continue;
    }
    byContainer.set(container, [...(byContainer.get(container) ?? []), found]);
  }
  return [...byContainer].map(([container, fields]) => ({ kind: 'helm', container, fields }));
}
