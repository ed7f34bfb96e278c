export { CloudCredentials, CloudAuthError, redact, safeReason, type CloudCredentialsOptions } from './credentials.ts';
export { cloudForHost } from './hosts.ts';
export type { CloudAuth, CloudContext, CloudKind, CloudProvider, CloudToken } from './types.ts';
