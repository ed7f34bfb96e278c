import { ConfigError, type LoadedConfig } from '../config/index.ts';
import type { NamedPolicy } from '../manifests/index.ts';
import { parsePolicy } from '../policy/index.ts';

/** The config's named policies, parsed now so a bad one stops startup with its field named. */
export function readNamedPolicies(config: Pick<LoadedConfig, 'policies' | 'source'>): Map<string, NamedPolicy> {
  const named = new Map<string, NamedPolicy>();
  for (const [name, { policy, image }] of Object.entries(config.policies)) {
    try {
      named.set(name, { policy: parsePolicy(policy), image });
    } catch (error) {
      throw new ConfigError(`${config.source}: policies.${name}.policy: ${(error as Error).message}`);
    }
  }
  return named;
}
