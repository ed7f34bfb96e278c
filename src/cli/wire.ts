import { readFile } from 'node:fs/promises';
import { resolve, dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, readSecret, type LoadedConfig } from '../config/load.ts';
import type { NamedPolicy } from '../manifests/types.ts';
import { parsePolicy } from '../policy/policy.ts';
import { GitRepo } from '../git/repo.ts';
import type { GitRemote } from '../git/remote.ts';
import { RegistryClient } from '../registry/client.ts';
import type { CycleDeps } from '../automation/cycle.ts';
import { messageTemplate } from '../automation/message.ts';
import type { CliIo } from './io.ts';

/** JSON logs to stderr; LOG_LEVEL sets the level (default info). */
export function logger(io: CliIo): Logger {
  return pino({ level: io.env.LOG_LEVEL ?? 'info', base: undefined }, io.err as pino.DestinationStream);
}

/** Builds the cycle's components from a config file. */
export async function wire(configPath: string, io: CliIo): Promise<{ config: LoadedConfig; deps: CycleDeps }> {
  const config = await loadConfig(configPath, io.env);
  const remote = await gitRemote(config, io);
  // An unusable deploy key or URL is a configuration problem, reported as such (exit 2).
  const repo = guardConfig('git', () => GitRepo.forRemote(config.cacheDir, remote));
  const registry = new RegistryClient({ registries: config.registries });
  const message = guardConfig('git.message', () => messageTemplate(config.git.message));
  const namedPolicies = readNamedPolicies(config);
  return { config, deps: { repo, registry, paths: config.git.paths, author: config.git.author, namedPolicies, log: logger(io), message, maxAttempts: config.git.pushAttempts } };
}

/** The remote with its secrets read: files relative to the config file. */
export async function gitRemote(config: LoadedConfig, io: CliIo): Promise<GitRemote> {
  const g = config.git;
  const base = dirname(resolve(config.source));
  const secret = (s: Parameters<typeof readSecret>[0], what: string) => readSecret('file' in s ? { file: resolve(base, s.file) } : s, what, io.env);
  const remote: GitRemote = { url: g.url, branch: g.branch, pushBranch: g.pushBranch, timeouts: { connectMs: g.timeouts.connect, idleMs: g.timeouts.idle } };
  if (g.auth !== undefined) remote.auth = { username: g.auth.username, password: await secret(g.auth.password, 'git.auth.password') };
  if (g.caFile !== undefined) remote.ca = await readFile(resolve(base, g.caFile), 'utf8').catch(() => Promise.reject(new ConfigError(`git.caFile: cannot read ${g.caFile}`)));
  if (g.ssh !== undefined) {
    remote.ssh = {
      privateKey: await secret(g.ssh.privateKey, 'git.ssh.privateKey').then((key) => `${key}\n`),
      passphrase: g.ssh.passphrase === undefined ? undefined : await secret(g.ssh.passphrase, 'git.ssh.passphrase'),
      knownHosts: await secret(g.ssh.knownHosts, 'git.ssh.knownHosts'),
    };
  }
  return remote;
}

function guardConfig<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw new ConfigError(`${what}: ${(error as Error).message}`);
  }
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
