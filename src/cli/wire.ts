import { readFile } from 'node:fs/promises';
import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, readSecret, type LoadedConfig } from '../config/load.ts';
import { GitRepo } from '../git/repo.ts';
import { RegistryClient } from '../registry/client.ts';
import type { DockerConfig } from '../registry/credentials.ts';
import type { RegistrySettings } from '../registry/endpoint.ts';
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
  const registry = await registryClient(config, io);
  return { config, deps: { repo, registry, paths: config.git.paths, author: config.git.author, log: logger(io) } };
}

/** The registry client for a config: secrets read, CA files loaded, metadata cached under cacheDir. */
export async function registryClient(config: Pick<LoadedConfig, 'registries' | 'dockerConfig' | 'cacheDir'>, io: CliIo): Promise<RegistryClient> {
  const registries: RegistrySettings[] = [];
  const ca: string[] = [];
  for (const [i, r] of config.registries.entries()) {
    const { auth, caFile, ...settings } = r;
    const credentials = auth === undefined ? undefined : 'helper' in auth ? { helper: auth.helper } : { username: auth.username, password: await readSecret(auth.password, `registries[${i}].auth.password`, io.env) };
    registries.push({ ...settings, credentials });
    if (caFile !== undefined) ca.push(await readText(caFile, `registries[${i}].caFile`));
  }
  const dockerConfig = config.dockerConfig === undefined ? undefined : parseDockerConfig(await readSecret(config.dockerConfig, 'dockerConfig', io.env));
  return new RegistryClient({ registries, ca, dockerConfig, cacheDir: config.cacheDir, env: io.env });
}

/** The value is a secret: errors say what is wrong, never what it holds. */
function parseDockerConfig(text: string): DockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError('dockerConfig: not JSON (expected a Docker config.json with "auths")');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError('dockerConfig: not a JSON object');
  return json as DockerConfig;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${what}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
