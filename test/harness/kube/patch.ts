/** The patch formats the API server takes for built-in objects (server-side apply is not used by tagpilot). */
export type PatchType = 'json' | 'merge' | 'strategic';

export const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
};

type Json = unknown;
const isObj = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386. A strategic merge patch of the fields tagpilot patches (maps and scalars) means the same. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return patch;
  const out: Record<string, Json> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Operation {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

/** RFC 6902 (add, remove, replace, test); a failed `test` or a missing path throws, as a 422 there. */
export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw new Error('a JSON patch is an array of operations');
  let doc = structuredClone(target);
  for (const raw of operations as Operation[]) {
    const tokens = pointer(raw.path);
    if (raw.op === 'test') {
      if (JSON.stringify(read(doc, tokens)) !== JSON.stringify(raw.value)) throw new Error(`test failed at ${raw.path}`);
      continue;
    }
    if (tokens.length === 0) {
      if (raw.op === 'remove') throw new Error('cannot remove the whole document');
      doc = structuredClone(raw.value);
      continue;
    }
    const parent = read(doc, tokens.slice(0, -1));
    const last = tokens.at(-1)!;
    if (!isObj(parent) && !Array.isArray(parent)) throw new Error(`no such path ${raw.path}`);
    apply(parent, last, raw);
  }
  return doc;
}

function apply(parent: Record<string, Json> | Json[], last: string, op: Operation): void {
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new Error(`bad array index ${last}`);
    if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
    else if (op.op === 'replace') parent[index] = structuredClone(op.value);
    else if (op.op === 'remove') parent.splice(index, 1);
    else throw new Error(`unsupported op ${op.op}`);
    return;
  }
  if ((op.op === 'replace' || op.op === 'remove') && !(last in parent)) throw new Error(`no such path: ${last}`);
  if (op.op === 'add' || op.op === 'replace') parent[last] = structuredClone(op.value);
  else if (op.op === 'remove') delete parent[last];
  else throw new Error(`unsupported op ${op.op}`);
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`bad JSON pointer ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function read(doc: Json, tokens: readonly string[]): Json {
  let at = doc;
  for (const t of tokens) {
    if (isObj(at) && t in at) at = at[t];
    else if (Array.isArray(at) && /^\d+$/.test(t)) at = at[Number(t)];
    else throw new Error(`no such path /${tokens.join('/')}`);
  }
  return at;
}
