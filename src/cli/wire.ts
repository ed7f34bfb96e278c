import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, readSecret, type LoadedConfig } from '../config/load.ts';
import type { NamedPolicy } from '../manifests/types.ts';
import { parsePolicy } from '../policy/policy.ts';
import { GitRepo } from '../git/repo.ts';
import { RegistryClient } from '../registry/client.ts';
import type { CycleDeps } from '../automation/cycle.ts';
import type { CliIo } from './io.ts';

/** JSON logs to stderr; LOG_LEVEL sets the level (default info). */
export function logger(io: CliIo): Logger {
  return pino({ level: io.env.LOG_LEVEL ?? 'info', base: undefined }, io.err as pino.DestinationStream);
}

/** Builds the cycle's components from a config file. */
export async function wire(configPath: string, io: CliIo): Promise<{ config: LoadedConfig; deps: CycleDeps }> {
  const config = await loadConfig(configPath, io.env);
  const auth = config.git.auth === undefined ? undefined : { username: config.git.auth.username, password: await readSecret(config.git.auth.password, 'git.auth.password', io.env) };
  const repo = GitRepo.forRemote(config.cacheDir, { url: config.git.url, branch: config.git.branch, auth });
  const registry = new RegistryClient({ registries: config.registries });
  const namedPolicies = readNamedPolicies(config);
  return { config, deps: { repo, registry, paths: config.git.paths, author: config.git.author, namedPolicies, log: logger(io) } };
}

/** The config's named policies, parsed now so a bad one stops startup with its field named. */
function readNamedPolicies(config: LoadedConfig): Map<string, NamedPolicy> {
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
