import { parsePolicy } from '../policy/policy.ts';
import type { ObjectContext } from './context.ts';
import type { NamedPolicy } from './types.ts';
import { get, getMap, getString } from './yaml.ts';

/**
 * Flux v2 keeps the policies its markers name in ImagePolicy objects, and the repository each
 * follows in an ImageRepository. When those live in the repo we read them, so a Flux user's
 * markers work unchanged. Only what maps onto a tagpilot policy is taken; the rest is reported.
 */
export interface FluxObjects {
  policies: Map<string, { policy?: NamedPolicy['policy']; repositoryRef?: string }>;
  repositories: Map<string, string>;
}

export function isFluxImageObject(kind: string, apiVersion: string): boolean {
  return apiVersion.startsWith('image.toolkit.fluxcd.io/') && (kind === 'ImagePolicy' || kind === 'ImageRepository');
}

export function readFluxObject(ctx: ObjectContext, object: unknown, kind: string, namespace: string, name: string, into: FluxObjects): void {
  const spec = get(ctx.doc, object, 'spec');
  if (kind === 'ImageRepository') {
    const image = getString(ctx.doc, spec, 'image');
    if (image !== undefined) into.repositories.set(`${namespace}:${name}`, image);
    return;
  }
  const ref = getMap(ctx.doc, spec, 'imageRepositoryRef');
  const refName = getString(ctx.doc, ref, 'name');
  const refNamespace = getString(ctx.doc, ref, 'namespace') ?? namespace;
  const repositoryRef = refName === undefined ? undefined : `${refNamespace}:${refName}`;
  const range = getString(ctx.doc, getMap(ctx.doc, get(ctx.doc, spec, 'policy'), 'semver'), 'range');
  if (range === undefined) {
    ctx.problems.push({ file: ctx.path, message: `ImagePolicy ${namespace}:${name}: only semver policies are read from ImagePolicy objects; name it in the tagpilot config instead` });
    into.policies.set(`${namespace}:${name}`, { repositoryRef });
    return;
  }
  try {
    into.policies.set(`${namespace}:${name}`, { policy: parsePolicy(`semver:${range}`), repositoryRef });
  } catch (error) {
    ctx.problems.push({ file: ctx.path, message: `ImagePolicy ${namespace}:${name}: ${(error as Error).message}` });
  }
}

/** Named policies from the config win over the repo's ImagePolicy objects. */
export function namedPolicies(config: ReadonlyMap<string, NamedPolicy> | undefined, flux: FluxObjects): Map<string, NamedPolicy> {
  const out = new Map<string, NamedPolicy>();
  for (const [name, found] of flux.policies) {
    if (found.policy === undefined) continue;
    const image = found.repositoryRef === undefined ? undefined : flux.repositories.get(found.repositoryRef);
    out.set(name, image === undefined ? { policy: found.policy } : { policy: found.policy, image });
  }
  for (const [name, policy] of config ?? []) out.set(name, policy);
  return out;
}
