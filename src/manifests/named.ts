import { posix } from 'node:path';
import { compileRegex, parsePolicy, parseTemplate, type Policy } from '../policy/index.ts';
import type { ObjectContext } from './context.ts';
import type { NamedPolicy } from './types.ts';
import { get, getMap, getString } from './yaml.ts';
import { fileProblem } from '../problems/index.ts';

/**
 * Flux v2 keeps the policies its markers name in ImagePolicy objects, and the repository each
 * follows in an ImageRepository. When those live in the repo we read them, so a Flux user's
 * markers work unchanged: every policy kind (semver, alphabetical, numerical) with its
 * `filterTags` (pattern and extract). What cannot be read is reported, naming the object.
 */
export interface FluxObjects {
  policies: Map<string, { policy?: NamedPolicy['policy']; repositoryRef?: string }>;
  repositories: Map<string, string>;
  automations: FluxAutomation[];
}

/** An ImageUpdateAutomation: where Flux applied its markers, and its commit message template. */
export interface FluxAutomation {
  /** `namespace/name`, as Flux's `.AutomationObject` prints it. */
  name: string;
  /** `spec.update.path`, repo-relative without `./` (`` for the whole repository). */
  path: string;
  messageTemplate?: string;
}

const FLUX_KINDS = new Set(['ImagePolicy', 'ImageRepository', 'ImageUpdateAutomation']);

export function isFluxImageObject(kind: string, apiVersion: string): boolean {
  return apiVersion.startsWith('image.toolkit.fluxcd.io/') && FLUX_KINDS.has(kind);
}

export function readFluxObject(ctx: ObjectContext, object: unknown, kind: string, namespace: string, name: string, into: FluxObjects): void {
  const spec = get(ctx.doc, object, 'spec');
  if (kind === 'ImageUpdateAutomation') {
    const path = getString(ctx.doc, getMap(ctx.doc, spec, 'update'), 'path') ?? '';
    const messageTemplate = getString(ctx.doc, getMap(ctx.doc, getMap(ctx.doc, spec, 'git'), 'commit'), 'messageTemplate');
    const automation: FluxAutomation = { name: `${namespace}/${name}`, path: posix.normalize(path === '' ? '.' : path).replace(/^\.\/?|\/+$/g, '') };
    if (messageTemplate !== undefined) automation.messageTemplate = messageTemplate;
    into.automations.push(automation);
    return;
  }
  if (kind === 'ImageRepository') {
    const image = getString(ctx.doc, spec, 'image');
    if (image !== undefined) into.repositories.set(`${namespace}:${name}`, image);
    return;
  }
  const ref = getMap(ctx.doc, spec, 'imageRepositoryRef');
  const refName = getString(ctx.doc, ref, 'name');
  const refNamespace = getString(ctx.doc, ref, 'namespace') ?? namespace;
  const repositoryRef = refName === undefined ? undefined : `${refNamespace}:${refName}`;
  try {
    into.policies.set(`${namespace}:${name}`, { policy: imagePolicy(ctx, spec), repositoryRef });
  } catch (error) {
    ctx.problems.push(fileProblem('policy-invalid', ctx.path, `ImagePolicy ${namespace}:${name}: ${(error as Error).message}`));
    into.policies.set(`${namespace}:${name}`, { repositoryRef });
  }
}

const ORDERS = new Set(['asc', 'desc']);

/** `spec.policy` (exactly one of semver, alphabetical, numerical) with `spec.filterTags`. */
function imagePolicy(ctx: ObjectContext, spec: unknown): Policy {
  const choice = get(ctx.doc, spec, 'policy');
  const kinds = ['semver', 'alphabetical', 'numerical'].filter((kind) => get(ctx.doc, choice, kind) !== undefined);
  if (kinds.length !== 1) throw new Error(`spec.policy needs exactly one of semver, alphabetical, numerical (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`);
  const kind = kinds[0] as 'semver' | 'alphabetical' | 'numerical';
  const filter = getMap(ctx.doc, spec, 'filterTags');
  const pattern = getString(ctx.doc, filter, 'pattern');
  const extract = getString(ctx.doc, filter, 'extract');
  if (kind === 'semver') {
    const range = getString(ctx.doc, getMap(ctx.doc, choice, 'semver'), 'range');
    if (range === undefined) throw new Error('spec.policy.semver.range is missing');
    return withFilterTags(parsePolicy(`semver:${range}`), pattern, extract);
  }
  const order = getString(ctx.doc, getMap(ctx.doc, choice, kind), 'order') ?? 'asc';
  if (!ORDERS.has(order)) throw new Error(`spec.policy.${kind}.order must be asc or desc, got "${order}"`);
  return withFilterTags(parsePolicy(`${kind}:${order}`), pattern, extract);
}

/**
 * Flux keeps tags `pattern` matches and orders them by `extract` (the whole tag when empty). The
 * pattern is RE2 syntax, as Go's, and runs on RE2 as written (`(?P<name>…)` included).
 */
function withFilterTags(policy: Policy, pattern: string | undefined, extract: string | undefined): Policy {
  if (pattern === undefined || pattern === '') {
    if (extract !== undefined && extract !== '') throw new Error('filterTags.extract needs filterTags.pattern');
    return policy;
  }
  const regex = compileRegex(pattern);
  const template = extract === undefined || extract === '' ? undefined : extract;
  if (template !== undefined) parseTemplate(template, regex.groupNames);
  const source = `${policy.source} (filterTags ${pattern}${template === undefined ? '' : ` → ${template}`})`;
  if (policy.kind === 'semver') return { ...policy, source, extract: template === undefined ? { regex } : { regex, template } };
  if (policy.kind !== 'alphabetical' && policy.kind !== 'numerical') return policy;
  // Without extract Flux orders the whole tag, even when the pattern has a named group.
  const sorted = { ...policy, source, regex };
  delete sorted.group;
  return template === undefined ? sorted : { ...sorted, template };
}

/**
 * The policies markers can name, by `namespace:name`, and the namespaces tagpilot has any
 * policy in. A marker naming a policy in another namespace is not ours: Flux's automations use
 * only the policies of their own namespace and skip such markers, and so does tagpilot.
 */
export class NamedPolicies extends Map<string, NamedPolicy> {
  private readonly namespaces = new Set<string>();
  private readonly foreign = new Set<string>();

  /** Marks a namespace as ours even when no policy in it could be read (an ImagePolicy with errors). */
  addNamespace(namespace: string): void {
    this.namespaces.add(namespace);
  }

  override set(name: string, policy: NamedPolicy): this {
    this.addNamespace(namespaceOf(name));
    return super.set(name, policy);
  }

  /** Whether `name`'s namespace is one tagpilot has policies in (so a missing policy there is a mistake). */
  isOurs(name: string): boolean {
    return this.namespaces.has(namespaceOf(name));
  }

  /** True the first time a policy of a foreign namespace is asked about: it is reported once per read of the repository. */
  firstForeign(name: string): boolean {
    if (this.foreign.has(name)) return false;
    this.foreign.add(name);
    return true;
  }
}

function namespaceOf(name: string): string {
  return name.slice(0, name.indexOf(':'));
}

/** Named policies from the config win over the repo's ImagePolicy objects. */
export function namedPolicies(config: ReadonlyMap<string, NamedPolicy> | undefined, flux: FluxObjects): NamedPolicies {
  const out = new NamedPolicies();
  for (const [name, found] of flux.policies) {
    out.addNamespace(namespaceOf(name));
    if (found.policy === undefined) continue;
    const image = found.repositoryRef === undefined ? undefined : flux.repositories.get(found.repositoryRef);
    out.set(name, image === undefined ? { policy: found.policy } : { policy: found.policy, image });
  }
  for (const name of flux.repositories.keys()) out.addNamespace(namespaceOf(name));
  for (const automation of flux.automations) out.addNamespace(automation.name.slice(0, automation.name.indexOf('/')));
  for (const [name, policy] of config ?? []) out.set(name, policy);
  return out;
}

/** Whether Flux markers in `file` were applied by an ImageUpdateAutomation (all are, without any). */
export function underUpdatePath(file: string, automations: readonly FluxAutomation[]): boolean {
  if (automations.length === 0) return true;
  return automations.some((a) => a.path === '' || file === a.path || file.startsWith(`${a.path}/`));
}

/**
 * The commit subject an ImageUpdateAutomation's `messageTemplate` gives: its first line when that
 * is plain text, `{{ .AutomationObject }}` (or `{{.AutomationObject}}`) filled in. Any other Go
 * template action leaves the subject to tagpilot (tagpilot does not run Go templates).
 */
export function fluxSubject(automation: FluxAutomation): string | undefined {
  const first = automation.messageTemplate?.split('\n')[0]?.trim();
  if (first === undefined || first === '') return undefined;
  const filled = first.replace(/\{\{-?\s*\.AutomationObject\s*-?\}\}/g, automation.name);
  return filled.includes('{{') ? undefined : filled;
}

/** The subject for a commit changing `files`: that of the one ImageUpdateAutomation whose path holds them all. */
export function commitSubject(automations: readonly FluxAutomation[], files: readonly string[]): string | undefined {
  const covering = automations.filter((a) => files.every((file) => underUpdatePath(file, [a])));
  return covering.length === 1 && covering[0] !== undefined ? fluxSubject(covering[0]) : undefined;
}
