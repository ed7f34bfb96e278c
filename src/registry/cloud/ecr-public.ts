/**
 * Amazon ECR Public (`public.ecr.aws`): `GetAuthorizationToken` in us-east-1, where the service
 * lives, with the same default credential chain as ECR. Endpoint: `AWS_ENDPOINT_URL_ECR_PUBLIC`.
 */
import { ECRPUBLICClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { AWS_REQUEST_HANDLER, fromAuthorizationData } from './aws-token.ts';
import { CloudAuthError, safeReason } from './credentials.ts';
import type { CloudProvider } from './types.ts';

export function createEcrPublicProvider(): CloudProvider {
  let client: ECRPUBLICClient | undefined;
  return {
    async token(host) {
      client ??= new ECRPUBLICClient({ region: 'us-east-1', credentials: fromNodeProviderChain(), maxAttempts: 3, requestHandler: AWS_REQUEST_HANDLER });
      let answer;
      try {
        answer = await client.send(new GetAuthorizationTokenCommand({}));
      } catch (error) {
        throw new CloudAuthError('ecr-public', host, safeReason(error));
      }
      return fromAuthorizationData('ecr-public', host, answer.authorizationData?.authorizationToken, answer.authorizationData?.expiresAt);
    },
    close: () => client?.destroy(),
  };
}
