import type { CloudAuth } from './types.ts';

/** `123456789012.dkr.ecr.eu-west-1.amazonaws.com` (also `-fips`, and `.amazonaws.com.cn` in China). */
const ECR = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
/** Artifact Registry (`europe-west1-docker.pkg.dev`) and Container Registry (`gcr.io`, `eu.gcr.io`). */
const GCP = /^(?:[a-z0-9-]+-docker\.pkg\.dev|gcr\.io|[a-z0-9-]+\.gcr\.io)$/;
const ACR = /^[a-z0-9]+\.azurecr\.(?:io|cn|us)$/;

/** The cloud a registry host belongs to by its documented name, or undefined for any other host. */
export function cloudForHost(host: string): CloudAuth | undefined {
  const name = host.toLowerCase();
  const ecr = ECR.exec(name);
  if (ecr !== null) return { cloud: 'ecr', registryId: ecr[1], region: ecr[2] };
  if (name === 'public.ecr.aws') return { cloud: 'ecr-public' };
  if (GCP.test(name)) return { cloud: 'gcp' };
  if (ACR.test(name)) return { cloud: 'acr' };
  return undefined;
}

/** Region and account for ECR: the config's, else read from the host. */
export function ecrTarget(host: string, auth: Extract<CloudAuth, { cloud: 'ecr' }>): { region?: string; registryId?: string } {
  const fromHost = ECR.exec(host.toLowerCase());
  return { region: auth.region ?? fromHost?.[2], registryId: auth.registryId ?? fromHost?.[1] };
}
