import { isMap, isPair, visit, type Scalar } from 'yaml';
import { parsePolicy, type Policy } from '../policy/index.ts';
import { field, makeSlot, type ObjectContext, type SlotDraft } from './context.ts';
import { markerAfter, type Marker } from './markers.ts';
import type { ImageSlot, NamedPolicy } from './types.ts';
import { lineOf } from './yaml.ts';
import { fileProblem } from '../problems/index.ts';

interface MarkerGroup extends SlotDraft {
  syntax: Marker['syntax'];
}

/**
 * Marked scalars: a marker on a field another rule already found sets that slot's policy;
 * other marked fields form marker slots, grouped by the mapping they sit in (and, for Flux,
 * the policy they name), so `repository:` + `tag:` markers make one slot.
 */
export function markerSlots(ctx: ObjectContext, object: unknown, named: ReadonlyMap<string, NamedPolicy>, found: readonly ImageSlot[]): ImageSlot[] {
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
      if ('problem' in read) return void ctx.problems.push(fileProblem('marker-invalid', ctx.path, read.problem, line));
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

function addToGroup(ctx: ObjectContext, groups: Map<unknown, Map<string, MarkerGroup>>, map: unknown, key: string, marker: Marker, node: Scalar, policy: Policy | undefined, image: string | undefined, line: number): void {
  const f = field(marker.part, node);
  if (f === undefined) return;
  let byKey = groups.get(map);
  if (byKey === undefined) groups.set(map, (byKey = new Map()));
  const group = byKey.get(key) ?? { kind: 'marker', syntax: marker.syntax, fields: [] };
  byKey.set(key, group);
  if (group.fields.some((g) => g.part === f.part)) {
    ctx.problems.push(fileProblem('marker-invalid', ctx.path, `a second "${f.part}" marker in the same mapping is ignored`, line));
    return;
  }
  group.fields.push(f);
  if (policy !== undefined) group.policy = policy;
  if (image !== undefined) group.fallbackName = image;
}

function resolvePolicy(ctx: ObjectContext, marker: Marker, named: ReadonlyMap<string, NamedPolicy>, line: number): { policy?: Policy; image?: string } {
  if (marker.syntax === 'flux') {
    const found = named.get(marker.policyName);
    if (found === undefined) ctx.problems.push(fileProblem('policy-not-found', ctx.path, `marker names policy "${marker.policyName}", which is neither in the config nor an ImagePolicy in the repo`, line));
    return { policy: found?.policy, image: found?.image };
  }
  if (marker.policyText === undefined) return {};
  try {
    return { policy: parsePolicy(marker.policyText) };
  } catch (error) {
    ctx.problems.push(fileProblem('policy-invalid', ctx.path, `marker: ${(error as Error).message}`, line));
    return {};
  }
}
