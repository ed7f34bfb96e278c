import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { configSchema, type Config, type Secret } from './schema.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadedConfig extends Config {
  /** Absolute cache directory: from the config (relative to its file), $TAGPILOT_CACHE_DIR, or ./.cache/tagpilot. */
  cacheDir: string;
  /** The file the config came from, for messages. */
  source: string;
}

export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read config: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseConfig(text, path, env);
}

export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new ConfigError(`${source}: invalid config:\n${lines.join('\n')}`);
  }
  const base = dirname(resolve(source));
  const cacheDir = result.data.cacheDir === undefined ? resolve(env.TAGPILOT_CACHE_DIR ?? '.cache/tagpilot') : resolve(base, result.data.cacheDir);
  return { ...result.data, cacheDir, source };
}

/** Reads a secret reference; the value itself never appears in errors. */
export async function readSecret(secret: Secret, what: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('env' in secret) {
    const value = env[secret.env];
    if (value === undefined || value === '') throw new ConfigError(`${what}: environment variable ${secret.env} is not set`);
    return value;
  }
  try {
    return (await readFile(secret.file, 'utf8')).trim();
  } catch (error) {
    throw new ConfigError(`${what}: cannot read ${secret.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
