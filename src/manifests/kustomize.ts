import { posix } from 'node:path';
import { isScalar } from 'yaml';
import { field, makeSlot, present, type ObjectContext } from './context.ts';
import type { ImageSlot, SlotField } from './types.ts';
import { deref, get, getSeq, getString } from './yaml.ts';

const FILE_NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

export function isKustomizationFile(path: string): boolean {
  return FILE_NAMES.has(posix.basename(path));
}

/** A kustomize Kustomization: by its apiVersion, or by its file name (kind is optional there). */
export function isKustomization(path: string, kind: string | undefined, apiVersion: string | undefined): boolean {
  if (kind === 'Kustomization') return apiVersion === undefined || apiVersion.startsWith('kustomize.config.k8s.io/');
  return kind === undefined && isKustomizationFile(path);
}

/**
 * One slot per `images:` entry that changes something. `name` is what kustomize matches and is
 * never edited: the repository lives in `newName`, the tag in `newTag`, the digest in `digest`.
 */
export function kustomizeSlots(ctx: ObjectContext, object: unknown): ImageSlot[] {
  const entries = getSeq(ctx.doc, object, 'images')?.items ?? [];
  return entries.map((item) => entrySlot(ctx, deref(ctx.doc, item))).filter(present);
}

function entrySlot(ctx: ObjectContext, entry: unknown): ImageSlot | undefined {
  const name = getString(ctx.doc, entry, 'name');
  if (name === undefined) return undefined;
  const fields: SlotField[] = [];
  for (const [key, part] of [
    ['newName', 'name'],
    ['newTag', 'tag'],
    ['digest', 'digest'],
  ] as const) {
    const node = get(ctx.doc, entry, key);
    const found = isScalar(node) ? field(part, node) : undefined;
    if (found !== undefined) fields.push(found);
  }
  // The entry's `name` (what kustomize matches) names the slot: `<file>#<name>`.
  return makeSlot(ctx, { kind: 'kustomize', container: name, fields, fallbackName: name });
}

/** Directory → namespace set by the kustomization there: the default for the objects below it. */
export function kustomizationNamespace(ctx: ObjectContext, object: unknown): string | undefined {
  return getString(ctx.doc, object, 'namespace');
}
