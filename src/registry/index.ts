export { RegistryClient, NO_NEEDS, type RegistryClientOptions, type ListOptions, type TagList } from './client.ts';
export { RegistryError, TransportError } from './errors.ts';
export { CredentialError, type DockerConfig, type CredentialSource } from './credentials.ts';
export type { RegistrySettings } from './endpoint.ts';
export { backoffDelay } from './limits.ts';
export { DEFAULT_REGISTRY_DEADLINE_MS, TagLookup, type LookupOptions, type TagLister, type TagQuery } from './lookup.ts';
export { REGISTRY_CODES } from './errors.ts';
export { CloudAuthError, CloudCredentials, cloudForHost, type CloudAuth, type CloudCredentialsOptions, type CloudKind } from './cloud/index.ts';
export { SignatureChecker, SignatureCheckError, type SignaturePolicy, type SignatureVerdict } from './signatures/index.ts';
