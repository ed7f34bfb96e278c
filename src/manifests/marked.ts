import { isMap, isPair, isSeq, visit, type Scalar } from 'yaml';
import { parsePolicy, type Policy } from '../policy/index.ts';
import { field, makeSlot, type ObjectContext, type SlotDraft } from './context.ts';
import { markerAfter, type Marker } from './markers.ts';
import type { NamedPolicies } from './named.ts';
import type { FieldPart, ImageSlot } from './types.ts';
import { keyName, lineOf } from './yaml.ts';
import { fileNotice, fileProblem } from '../problems/index.ts';

interface MarkerGroup extends SlotDraft {
  syntax: Marker['syntax'];
  /** The repository of the named policy the group's markers name, when it has one. */
  repository?: string;
}

/** What a marker gives its slot: a policy, and for a named policy the repository it follows. */
interface Resolved {
  policy?: Policy;
  repository?: string;
}

/**
 * Marked scalars: a marker on a field another rule already found sets that slot's policy (and
 * the repository a named policy follows); other marked fields form marker slots, grouped by the
 * mapping they sit in (and, for Flux, the policy they name), so `repository:` + `tag:` markers
 * make one slot.
 */
export function markerSlots(ctx: ObjectContext, object: unknown, named: NamedPolicies, found: readonly ImageSlot[]): ImageSlot[] {
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
      const resolved = resolvePolicy(ctx, read.marker, named, line);
      const owner = claimed.get(node.range[0]);
      if (owner !== undefined) return claim(owner, read.marker.part, node.range[0], resolved);
      const parent = path[path.length - 1];
      const map = read.marker.part !== 'ref' && isPair(parent) ? path[path.length - 2] : node;
      const groupKey = read.marker.syntax === 'flux' ? read.marker.policyName : 'tagpilot';
      // The slot's name: where it sits in its object (`spec.values.image`), stable as lines move.
      const at = keyPath(path, node);
      addToGroup(ctx, groups, map, groupKey, read.marker, node, resolved, line, read.marker.part === 'ref' ? at : at.slice(0, -1));
    },
  });
  const slots: ImageSlot[] = [];
  for (const byKey of groups.values()) {
    for (const [key, group] of byKey) {
      const draft = withFollows(group);
      // Two Flux policies in one mapping: the policy tells them apart.
      const slot = makeSlot(ctx, byKey.size > 1 ? { ...draft, container: `${group.container}:${key}` } : draft);
      if (slot !== undefined) slots.push(slot);
    }
  }
  return slots;
}

/**
 * A marker on a field a rule found (a container's `image:`, a kustomization's `newName:`): it
 * gives the slot its policy, and a named policy's repository. That repository is written only
 * into a field marked as naming the image: a whole-reference marker on a whole reference, a
 * `:name` marker on a name; a `:tag` marker leaves the name the file gives alone, as in Flux.
 */
function claim(owner: ImageSlot, marked: FieldPart, start: number, { policy, repository }: Resolved): void {
  if (policy !== undefined) owner.policy = policy;
  if (repository === undefined) return;
  const part = owner.fields.find((f) => f.start === start)?.part;
  const names = (marked === 'ref' || marked === 'name') && part === marked;
  owner.follows = { repository, name: names || owner.follows?.name === true };
}

/** A marker slot follows its named policy's repository; every field of it is marked, so a name or whole reference there is written with it. */
function withFollows(group: MarkerGroup): SlotDraft {
  const draft: SlotDraft = { ...group, digestMarked: group.fields.some((f) => f.part === 'digest') };
  if (group.repository !== undefined) draft.follows = { repository: group.repository, name: group.fields.some((f) => f.part === 'ref' || f.part === 'name') };
  return draft;
}

function addToGroup(ctx: ObjectContext, groups: Map<unknown, Map<string, MarkerGroup>>, map: unknown, key: string, marker: Marker, node: Scalar, { policy, repository }: Resolved, line: number, at: readonly string[]): void {
  const f = field(marker.part, node);
  if (f === undefined) return;
  let byKey = groups.get(map);
  if (byKey === undefined) groups.set(map, (byKey = new Map()));
  const group = byKey.get(key) ?? { kind: 'marker', syntax: marker.syntax, fields: [], container: pathName(at) };
  byKey.set(key, group);
  if (group.fields.some((g) => g.part === f.part)) {
    ctx.problems.push(fileProblem('marker-invalid', ctx.path, `a second "${f.part}" marker in the same mapping is ignored`, line));
    return;
  }
  group.fields.push(f);
  if (policy !== undefined) group.policy = policy;
  if (repository !== undefined) {
    group.repository = repository;
    group.fallbackName = repository;
  }
}

function resolvePolicy(ctx: ObjectContext, marker: Marker, named: NamedPolicies, line: number): Resolved {
  if (marker.syntax === 'flux') {
    const found = named.get(marker.policyName);
    if (found !== undefined) return found.image === undefined ? { policy: found.policy } : { policy: found.policy, repository: found.image };
    if (named.isOurs(marker.policyName)) ctx.problems.push(fileProblem('policy-not-found', ctx.path, `marker names policy "${marker.policyName}", which is neither in the config nor an ImagePolicy in the repo`, line));
    else if (named.firstForeign(marker.policyName)) ctx.notices.push(fileNotice('info', 'marker-not-ours', ctx.path, notOurs(marker.policyName), line));
    return {};
  }
  if (marker.policyText === undefined) return {};
  try {
    return { policy: parsePolicy(marker.policyText) };
  } catch (error) {
    ctx.problems.push(fileProblem('policy-invalid', ctx.path, `marker: ${(error as Error).message}`, line));
    return {};
  }
}

function notOurs(policyName: string): string {
  const namespace = policyName.slice(0, policyName.indexOf(':'));
  return `marker names policy "${policyName}": tagpilot has no policy in namespace "${namespace}" (neither in the config nor in the repo), so the marker is not ours and is left alone, as Flux leaves it (reported once)`;
}

/** The keys (and list positions) from the object down to `node`: `["spec", "values", "image"]`. */
function keyPath(path: readonly unknown[], node: unknown): string[] {
  const out: string[] = [];
  for (const [i, at] of path.entries()) {
    if (isPair(at)) out.push(keyName(at.key) ?? '?');
    else if (isSeq(at)) out.push(`[${at.items.indexOf(path[i + 1] ?? node)}]`);
  }
  return out;
}

/** `spec.values.image`, `images[0]`; `.` for the object itself. */
function pathName(keys: readonly string[]): string {
  return keys.join('.').replaceAll('.[', '[') || '.';
}
