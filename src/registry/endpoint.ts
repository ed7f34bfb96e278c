import type { ImageRef } from '../image/ref.ts';

export interface RegistrySettings {
  host: string;
  /** Plain HTTP; only when the config says so for this host. */
  insecure: boolean;
}

export interface Endpoint {
  /** `https://host[:port]` */
  base: string;
  host: string;
  /** Repository path on that registry (`library/nginx` for Docker Hub's official images). */
  path: string;
}

const DOCKER_HUB = 'registry-1.docker.io';

/** Where a reference's repository lives, with Docker Hub's shorthand expanded. */
export function endpointFor(ref: ImageRef, registries: readonly RegistrySettings[]): Endpoint {
  const written = ref.host ?? 'docker.io';
  const isHub = written === 'docker.io' || written === 'index.docker.io' || written === DOCKER_HUB;
  const host = isHub ? DOCKER_HUB : written;
  const path = isHub && !ref.path.includes('/') ? `library/${ref.path}` : ref.path;
  const insecure = registries.find((r) => r.host === written || r.host === host)?.insecure ?? false;
  return { base: `${insecure ? 'http' : 'https'}://${host}`, host, path };
}
