export { ConfigError, loadConfig, parseConfig, readSecret, type LoadedConfig } from './load.ts';
export { configSchema, type Config, type Secret } from './schema.ts';
