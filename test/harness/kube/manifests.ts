import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { mergePatch } from './patch.ts';
import type { RbacObject } from './rbac.ts';
import type { KubeObject } from './validate.ts';

/** The fields of a kustomization the project's own use: anything else is refused, so this never quietly differs from `kubectl kustomize`. */
const KNOWN = new Set(['apiVersion', 'kind', 'resources', 'components', 'namespace', 'images', 'patches']);

interface Kustomization {
  kind?: string;
  resources?: string[];
  components?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
  /** Patches in files that name their target (apiVersion, kind, metadata.name); maps only, so a JSON merge patch means what kustomize's strategic merge does. */
  patches?: { path: string }[];
}

/**
 * Every object a kustomization lists (its resources, its components', recursively), read without
 * any binary: the subset of kustomize the project's manifests use (resources, components, a
 * namespace, image overrides). A test compares the result with `kubectl kustomize` where kubectl exists.
 */
export function renderedObjects(dir: string, extraComponents: readonly string[] = []): KubeObject[] {
  const k = readKustomization(dir);
  const objects = [...(k.resources ?? []), ...(k.components ?? []), ...extraComponents.map((c) => resolve(c))].flatMap((entry) => load(resolve(dir, entry)));
  const patches = (k.patches ?? []).flatMap((p) => load(resolve(dir, p.path)));
  return objects.map((o) => overlay(patched(o, patches), k));
}

/** The RBAC objects among them: what the API double enforces. */
export function rbacObjects(objects: readonly KubeObject[]): RbacObject[] {
  return objects.filter((o) => o.apiVersion.startsWith('rbac.authorization.k8s.io/')) as unknown as RbacObject[];
}

function readKustomization(dir: string): Kustomization {
  const text = readFileSync(join(dir, 'kustomization.yaml'), 'utf8');
  const k = parseAllDocuments(text)[0]?.toJS() as Kustomization & Record<string, unknown>;
  const unknown = Object.keys(k).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: ${unknown.join(', ')} not understood by the test loader`);
  return k;
}

function load(path: string): KubeObject[] {
  if (statSync(path).isDirectory()) return renderedObjects(path);
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

function patched(o: KubeObject, patches: readonly KubeObject[]): KubeObject {
  const mine = patches.filter((p) => p.apiVersion === o.apiVersion && p.kind === o.kind && p.metadata.name === o.metadata.name);
  for (const p of mine) if (containsArray(p)) throw new Error(`patch of ${p.kind} ${p.metadata.name}: lists are merged by key in kustomize; the test loader takes maps only`);
  return mine.reduce((acc, p) => mergePatch(acc, p) as KubeObject, o);
}

const containsArray = (v: unknown): boolean => Array.isArray(v) || (typeof v === 'object' && v !== null && Object.values(v).some(containsArray));

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

function overlay(object: KubeObject, k: Kustomization): KubeObject {
  let o = object;
  if (k.namespace !== undefined && !CLUSTER_SCOPED.has(o.kind)) o = { ...o, metadata: { ...o.metadata, namespace: k.namespace } };
  for (const image of k.images ?? [])
    o = JSON.parse(
      JSON.stringify(o).replaceAll(/"image":"([^"]+)"/g, (all, ref: string) => {
        const name = ref.replace(/[:@].*$/, '');
        if (name !== image.name) return all;
        return `"image":"${image.newName ?? name}:${image.newTag ?? ref.slice(name.length + 1)}"`;
      }),
    ) as KubeObject;
  return o;
}
