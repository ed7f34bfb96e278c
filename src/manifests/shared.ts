import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { ImageEdit } from './types.ts';
import { getString, keyName, type ParsedFile } from './yaml.ts';

/**
 * The edit's effect on the document as read (aliases and merge keys resolved), not only on its
 * text: a spliced scalar that carries an anchor changes every place that aliases it. Each such
 * place must be an edited slot too, else the edit would change a workload nobody asked to change
 * (and the commit would not list it).
 */

/** Why the edit changes a value outside the intended slots; undefined when it does not. */
export function sharedValueProblem(file: ParsedFile, spliced: ReadonlySet<number>, edits: readonly ImageEdit[]): string | undefined {
  for (const doc of file.docs) {
    const walk = new Walk(doc, spliced);
    walk.visit(doc.contents, [], false, {});
    if (walk.overBudget) return `too many aliased values to check (more than ${MAX_VISITS}); edit this file by hand`;
    const stray = walk.changed.find((place) => !intended(place, edits));
    if (stray !== undefined) return describe(stray);
  }
  return undefined;
}

/** Nodes visited per document: aliases are followed, so a bomb must not expand without end. */
const MAX_VISITS = 100_000;
const CONTAINER_LISTS = new Set(['initContainers', 'containers', 'ephemeralContainers']);

interface Owner {
  /** `kind/name` (kind lower-case, as in workload ids) of the nearest enclosing object. */
  object?: string;
  namespace?: string;
  container?: string;
}

/** A value that changes although it is not written where the splice is: it is reached through an alias. */
interface Place {
  path: readonly (string | number)[];
  owner: Owner;
  /** The offset of the spliced scalar it resolves to. */
  start: number;
}

class Walk {
  readonly changed: Place[] = [];
  overBudget = false;
  private visits = 0;
  /** Whether a node (resolved) holds a spliced scalar; `false` while in progress, so cycles end. */
  private readonly holds = new Map<unknown, boolean>();

  private readonly doc: Document.Parsed;
  private readonly spliced: ReadonlySet<number>;

  constructor(doc: Document.Parsed, spliced: ReadonlySet<number>) {
    this.doc = doc;
    this.spliced = spliced;
  }

  visit(node: unknown, path: (string | number)[], viaAlias: boolean, owner: Owner): void {
    if (this.overBudget || !this.reaches(node)) return;
    if (++this.visits > MAX_VISITS) {
      this.overBudget = true;
      return;
    }
    if (isAlias(node)) return this.visit(node.resolve(this.doc), path, true, owner);
    if (isScalar(node)) {
      // Reached directly, the scalar is the spliced field itself; through an alias, another place.
      if (viaAlias && node.range) this.changed.push({ path, owner, start: node.range[0] });
      return;
    }
    if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) this.visit(item, [...path, index], viaAlias, owner);
      return;
    }
    if (isMap(node)) this.visitMap(node, path, viaAlias, ownerOf(this.doc, node, path, owner));
  }

  /** Own keys first, then merged maps (`<<`) for the keys the map does not set itself. */
  private visitMap(map: { items: { key: unknown; value: unknown }[] }, path: (string | number)[], viaAlias: boolean, owner: Owner): void {
    const own = new Set(map.items.map((pair) => keyName(pair.key)));
    for (const pair of map.items) {
      const key = keyName(pair.key) ?? '?';
      if (key === '<<') this.visitMerged(pair.value, path, own, owner);
      else this.visit(pair.value, [...path, key], viaAlias, owner);
    }
  }

  private visitMerged(value: unknown, path: (string | number)[], own: ReadonlySet<string | undefined>, owner: Owner): void {
    const sources = isAlias(value) ? [value] : isSeq(value) ? value.items : [];
    for (const source of sources) {
      const map = isAlias(source) ? source.resolve(this.doc) : undefined;
      if (!isMap(map)) continue;
      for (const pair of map.items) {
        const key = keyName(pair.key) ?? '?';
        if (!own.has(key)) this.visit(pair.value, [...path, key], true, owner);
      }
    }
  }

  private reaches(node: unknown): boolean {
    const known = this.holds.get(node);
    if (known !== undefined) return known;
    this.holds.set(node, false);
    let found = false;
    if (isAlias(node)) found = this.reaches(node.resolve(this.doc));
    else if (isScalar(node)) found = node.range !== undefined && node.range !== null && this.spliced.has(node.range[0]);
    else if (isSeq(node)) found = node.items.some((item) => this.reaches(item));
    else if (isMap(node)) found = node.items.some((pair) => this.reaches(pair.value));
    this.holds.set(node, found);
    return found;
  }
}

/** The owner below `map`: a Kubernetes object starts a new one, a named container narrows it. */
function ownerOf(doc: Document, map: Node, path: readonly (string | number)[], outer: Owner): Owner {
  const kind = getString(doc, map, 'kind');
  const name = getString(doc, getMapValue(doc, map, 'metadata'), 'name');
  if (kind !== undefined && name !== undefined) {
    const namespace = getString(doc, getMapValue(doc, map, 'metadata'), 'namespace');
    return { object: `${kind.toLowerCase()}/${name}`, ...(namespace === undefined ? {} : { namespace }) };
  }
  const list = path[path.length - 2];
  const container = getString(doc, map, 'name');
  if (typeof list === 'string' && CONTAINER_LISTS.has(list) && container !== undefined) return { ...outer, container };
  return outer;
}

function getMapValue(doc: Document, map: Node, key: string): unknown {
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => keyName(p.key) === key);
  const value = pair?.value;
  return isAlias(value) ? value.resolve(doc) : value;
}

/** A place is intended when an edit is for that container's `image:` and splices that very scalar. */
function intended(place: Place, edits: readonly ImageEdit[]): boolean {
  const { owner, path } = place;
  const list = path[path.length - 3];
  if (path[path.length - 1] !== 'image' || typeof list !== 'string' || !CONTAINER_LISTS.has(list)) return false;
  if (owner.object === undefined || owner.container === undefined) return false;
  return edits.some((edit) => {
    const slot = edit.slot;
    if (slot.kind !== 'container' || slot.container !== owner.container || slot.workload === undefined) return false;
    const [namespace, object] = splitWorkload(slot.workload);
    if (object !== owner.object || (owner.namespace !== undefined && namespace !== owner.namespace)) return false;
    return slot.fields.some((field) => field.start === place.start);
  });
}

function splitWorkload(workload: string): [string, string] {
  const colon = workload.indexOf(':');
  return [workload.slice(0, colon), workload.slice(colon + 1)];
}

function describe(place: Place): string {
  const { object, container, namespace } = place.owner;
  const who = object === undefined ? 'another value' : `${namespace === undefined ? '' : `${namespace}:`}${object}${container === undefined ? '' : ` (container ${container})`}`;
  return `the edit would also change ${who} at ${dotted(place.path)}, which aliases the edited value and is not being updated; give it its own value or edit both by hand`;
}

function dotted(path: readonly (string | number)[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('') || '(document)';
}
