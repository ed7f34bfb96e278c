import { canonicalHost, canonicalPath, DOCKER_HUB, type ImageRef } from '../image/index.ts';
import type { Credential, CredentialSource } from './credentials.ts';

/** One registry's settings, as the config gives them (secrets already read). */
export interface RegistrySettings {
  host: string;
  /** Plain HTTP; only when the config says so for this host. */
  insecure: boolean;
  /** Tags asked for per page (`n=`); 0 leaves it to the registry. */
  pageSize?: number;
  /** Tags per repository; a longer list is that repository's problem (`pagination-limit`). */
  maxTags?: number;
  /** Pages of tags per repository; more is that repository's problem (`pagination-limit`). */
  maxPages?: number;
  /** The whole tag listing of one repository, every page included (`listing-deadline`). */
  listTimeoutMs?: number;
  /** Requests in flight to this host at once. */
  concurrency?: number;
  /** Request starts per second to this host; 0 means unlimited. */
  requestsPerSecond?: number;
  credentials?: CredentialSource;
  /** Docker Hub's API for tag lists (default for docker.io: https://hub.docker.com); false: the Distribution API only. */
  hubApi?: string | false;
}

export interface Endpoint {
  /** `https://host[:port]`: where requests go. */
  base: URL;
  /** Canonical registry host (`docker.io` for Docker Hub): the key for settings and credentials. */
  host: string;
  /** Repository path on that registry (`library/nginx` for Docker Hub's official images). */
  path: string;
  settings: RegistrySettings | undefined;
  /** This listing's own credential (a workload's pull secret), instead of the one configured for the host. */
  credential?: Credential;
}

/** Docker Hub's API host: `docker.io` names the registry, this host serves it. */
const DOCKER_HUB_API = 'registry-1.docker.io';

/** Where a reference's repository lives, with Docker Hub's shorthand expanded. */
export function endpointFor(ref: ImageRef, registries: readonly RegistrySettings[]): Endpoint {
  const host = canonicalHost(ref);
  const settings = settingsFor(host, registries);
  const network = host === DOCKER_HUB ? DOCKER_HUB_API : host;
  return { base: new URL(`${settings?.insecure === true ? 'http' : 'https'}://${network}`), host, path: canonicalPath(ref), settings };
}

export function settingsFor(host: string, registries: readonly RegistrySettings[]): RegistrySettings | undefined {
  const wanted = canonicalHost({ host, path: 'x' });
  return registries.find((r) => canonicalHost({ host: r.host, path: 'x' }) === wanted);
}
