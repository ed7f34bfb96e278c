import { parsePolicy, type Policy } from './policy.ts';
import { UNLOCKED, type Lock } from './lock.ts';

/** What a workload's annotations say about automation, per container. */
export interface WorkloadPolicies {
  automated: boolean;
  /** Policy per container name, for containers that have one. */
  policies: Map<string, Policy>;
  lock: Lock;
  /** Annotations that could not be read, with the reason; the rest still apply. */
  problems: string[];
}

const PREFIX = 'tagpilot.io/';

export function readAnnotations(annotations: Readonly<Record<string, string>>, containers: readonly string[]): WorkloadPolicies {
  const problems: string[] = [];
  const policies = new Map<string, Policy>();
  for (const container of containers) {
    const key = `${PREFIX}tag.${container}`;
    const text = annotations[key];
    if (text === undefined) continue;
    try {
      policies.set(container, parsePolicy(text));
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message}`);
    }
  }
  return {
    automated: annotations[`${PREFIX}automated`] === 'true',
    policies,
    lock: readLock(annotations),
    problems,
  };
}

function readLock(annotations: Readonly<Record<string, string>>): Lock {
  if (annotations[`${PREFIX}locked`] !== 'true') return UNLOCKED;
  return {
    locked: true,
    by: annotations[`${PREFIX}locked-by`],
    reason: annotations[`${PREFIX}locked-reason`],
    at: annotations[`${PREFIX}locked-at`],
  };
}
