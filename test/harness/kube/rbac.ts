import type { Verb } from './resources.ts';

/** An rbac.authorization.k8s.io/v1 object as it comes out of the rendered manifests. */
export interface RbacObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  subjects?: { kind: string; name: string; namespace?: string; apiGroup?: string }[];
  roleRef?: { apiGroup: string; kind: 'Role' | 'ClusterRole'; name: string };
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Who makes a request: a user name and its groups, as the token authenticator says. */
export interface Identity {
  user: string;
  groups: readonly string[];
}

export interface Attributes {
  verb: Verb;
  group: string;
  resource: string;
  namespace: string;
  /** The object's name; for a list or watch, the `metadata.name` of a field selector (as the API server reads it). */
  name?: string;
}

export function serviceAccountIdentity(namespace: string, name: string): Identity {
  return { user: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
}

/**
 * Kubernetes' RBAC authorizer, for namespaced resources: a request is allowed when a rule of a
 * Role bound in its namespace, or of a ClusterRole bound there or cluster-wide, grants its verb,
 * API group, resource and (when the rule lists any) name. Nothing else is allowed: RBAC has no deny.
 */
export class Rbac {
  private readonly objects: readonly RbacObject[];

  constructor(objects: readonly RbacObject[]) {
    this.objects = objects;
    for (const o of objects) if (!o.apiVersion.startsWith('rbac.authorization.k8s.io/')) throw new Error(`${o.kind} ${o.metadata.name}: not an RBAC object`);
  }

  allows(who: Identity, a: Attributes): boolean {
    return this.rulesFor(who, a.namespace).some((rule) => ruleAllows(rule, a));
  }

  private rulesFor(who: Identity, namespace: string): PolicyRule[] {
    const bindings = this.objects.filter((o) => (o.kind === 'ClusterRoleBinding' || (o.kind === 'RoleBinding' && o.metadata.namespace === namespace)) && (o.subjects ?? []).some((s) => subjectIs(s, who)));
    return bindings.flatMap((b) => this.role(b)?.rules ?? []);
  }

  private role(binding: RbacObject): RbacObject | undefined {
    const ref = binding.roleRef;
    if (ref === undefined) return undefined;
    // A RoleBinding may name a Role in its own namespace, or a ClusterRole (then scoped to that namespace).
    if (ref.kind === 'Role') return this.objects.find((o) => o.kind === 'Role' && o.metadata.name === ref.name && o.metadata.namespace === binding.metadata.namespace);
    return this.objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === ref.name);
  }
}

function subjectIs(subject: NonNullable<RbacObject['subjects']>[number], who: Identity): boolean {
  if (subject.kind === 'ServiceAccount') return who.user === `system:serviceaccount:${subject.namespace}:${subject.name}`;
  if (subject.kind === 'User') return who.user === subject.name;
  if (subject.kind === 'Group') return who.groups.includes(subject.name);
  return false;
}

function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  const has = (list: readonly string[] | undefined, value: string) => (list ?? []).some((v) => v === '*' || v === value);
  if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.group) || !has(rule.resources, a.resource)) return false;
  const names = rule.resourceNames ?? [];
  // A named rule never covers a request without a name (create, an unselected list or watch).
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}
