import type { Credential } from '../credentials.ts';

/** The clouds whose registries tagpilot authenticates to natively. */
export type CloudKind = 'ecr' | 'ecr-public' | 'gcp' | 'acr';

/** How one registry host gets its cloud credential: from its host name, or as the config says. */
export type CloudAuth = { cloud: 'ecr'; region?: string; registryId?: string } | { cloud: 'ecr-public' } | { cloud: 'gcp' /** A service-account key file; without it, Application Default Credentials (metadata server). */; credentialsFile?: string } | { cloud: 'acr'; tenantId?: string; clientId?: string };

/** A registry credential from a cloud, with the time (epoch ms) it stops working. */
export interface CloudToken {
  credential: Credential;
  expiresAt: number;
}

/** What a provider may use besides its SDK: the registry's own origin, and our HTTP for requests to it. */
export interface CloudContext {
  /** `https://host` (or `http://` for a host the config marks insecure): where the registry is. */
  origin: URL;
  /** A form POST to the registry's own origin (ACR's `/oauth2/exchange`); answers status and body. */
  post(url: URL, form: URLSearchParams): Promise<{ status: number; body: Buffer }>;
}

/** One cloud's token flow; loaded lazily, so an SDK is read only when a registry of its cloud is used. */
export interface CloudProvider {
  token(host: string, auth: CloudAuth, context: CloudContext): Promise<CloudToken>;
  /** Lets go of the SDK's connections. */
  close?(): void;
}
