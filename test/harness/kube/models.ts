import type { KubeObject } from './validate.ts';

/** Where the schema of an API group lives: Kubernetes' own in kubernetes-models, a CRD's in its package. */
const PACKAGES: readonly [RegExp, string][] = [
  [/^monitoring\.coreos\.com$/, '@kubernetes-models/prometheus-operator'],
  [/\.toolkit\.fluxcd\.io$/, '@kubernetes-models/flux-cd'],
  [/^argoproj\.io$/, '@kubernetes-models/argo-cd'],
  [/^(|[a-z.]+\.k8s\.io|apps|batch|policy|autoscaling)$/, 'kubernetes-models'],
];

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/**
 * Checks an object against its kind's OpenAPI schema (types, required fields, enums, formats)
 * with the kubernetes-models classes, no binary and no cluster needed. Returns the error, if any.
 */
export async function schemaError(o: KubeObject): Promise<string | undefined> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const pkg = PACKAGES.find(([re]) => re.test(group!))?.[1];
  if (pkg === undefined) return `no schema package for ${o.apiVersion}`;
  const module = (await import(group === '' ? `${pkg}/${version}` : `${pkg}/${group}/${version}`)) as Record<string, ModelClass | undefined>;
  const Kind = module[o.kind];
  if (Kind === undefined) return `${pkg} has no ${o.apiVersion} ${o.kind}`;
  try {
    new Kind(o).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
