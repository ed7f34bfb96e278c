/**
 * Amazon ECR (private): `GetAuthorizationToken` for the registry's account and region, signed with
 * credentials from the AWS SDK's default chain: static keys in the environment, IRSA (a web
 * identity token file and role, through STS `AssumeRoleWithWebIdentity`), EKS Pod Identity (the
 * container credentials endpoint), or the instance's metadata (IMDSv2). Endpoints follow the SDK's
 * own settings (`AWS_ENDPOINT_URL_ECR`, `AWS_ENDPOINT_URL_STS`, …).
 */
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { AWS_REQUEST_HANDLER, fromAuthorizationData } from './aws-token.ts';
import { CloudAuthError, safeReason } from './credentials.ts';
import { ecrTarget } from './hosts.ts';
import type { CloudAuth, CloudProvider, CloudToken } from './types.ts';

/** One ECR client per region, and one credential chain for all: the identity is the pod's, cached by the chain until it expires. */
export function createEcrProvider(): CloudProvider {
  const clients = new Map<string, ECRClient>();
  let chain: ReturnType<typeof fromNodeProviderChain> | undefined;
  const client = (region: string): ECRClient => {
    let found = clients.get(region);
    if (found === undefined) {
      chain ??= fromNodeProviderChain();
      clients.set(region, (found = new ECRClient({ region, credentials: chain, maxAttempts: 3, requestHandler: AWS_REQUEST_HANDLER })));
    }
    return found;
  };
  const close = () => {
    for (const c of clients.values()) c.destroy();
  };
  return { token: (host, auth) => ecrToken(host, auth, client), close };
}

async function ecrToken(host: string, auth: CloudAuth, client: (region: string) => ECRClient): Promise<CloudToken> {
  if (auth.cloud !== 'ecr') throw new CloudAuthError(auth.cloud, host, 'not an ECR registry');
  const { region, registryId } = ecrTarget(host, auth);
  if (region === undefined) throw new CloudAuthError('ecr', host, 'no AWS region: the host is not *.dkr.ecr.<region>.amazonaws.com, so set auth.region');
  let answer;
  try {
    answer = await client(region).send(new GetAuthorizationTokenCommand(registryId === undefined ? {} : { registryIds: [registryId] }));
  } catch (error) {
    throw new CloudAuthError('ecr', host, safeReason(error));
  }
  const data = answer.authorizationData?.[0];
  return fromAuthorizationData('ecr', host, data?.authorizationToken, data?.expiresAt);
}
