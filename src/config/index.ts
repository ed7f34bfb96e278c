export { ConfigError, kubeSecretRefs, loadConfig, parseConfig, readSecret, type LoadedConfig, type SecretSource } from './load.ts';
export { configSchema, type Config, type KubeSecretRef, type Secret } from './schema.ts';
