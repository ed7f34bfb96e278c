import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { RbacObject } from './rbac.ts';
import type { KubeObject } from './validate.ts';

/** The fields of a kustomization the project's own use: anything else is refused, so this never quietly differs from `kubectl kustomize`. */
const KNOWN = new Set(['apiVersion', 'kind', 'resources', 'components', 'namespace', 'images']);

interface Kustomization {
  kind?: string;
  resources?: string[];
  components?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
}

/**
 * Every object a kustomization lists (its resources, its components', recursively), read without
 * any binary: the subset of kustomize the project's manifests use (resources, components, a
 * namespace, image overrides). A test compares the result with `kubectl kustomize` where kubectl exists.
 */
export function renderedObjects(dir: string, extraComponents: readonly string[] = []): KubeObject[] {
  const k = readKustomization(dir);
  const objects = [...(k.resources ?? []), ...(k.components ?? []), ...extraComponents.map((c) => resolve(c))].flatMap((entry) => load(resolve(dir, entry)));
  return objects.map((o) => overlay(o, k));
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

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

function overlay(object: KubeObject, k: Kustomization): KubeObject {
  let o = object;
  if (k.namespace !== undefined && !CLUSTER_SCOPED.has(o.kind)) o = { ...o, metadata: { ...o.metadata, namespace: k.namespace } };
  for (const image of k.images ?? []) o = JSON.parse(JSON.stringify(o).replaceAll(/"image":"([^"]+)"/g, (all, ref: string) => {
    const name = ref.replace(/[:@].*$/, '');
    if (name !== image.name) return all;
    return `"image":"${image.newName ?? name}:${image.newTag ?? ref.slice(name.length + 1)}"`;
  })) as KubeObject;
  return o;
}
