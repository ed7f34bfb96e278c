import pino, { type Logger } from 'pino';
import { loadConfig, readSecret, type LoadedConfig } from '../config/load.ts';
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
  return { config, deps: { repo, registry, paths: config.git.paths, author: config.git.author, log: logger(io) } };
}
