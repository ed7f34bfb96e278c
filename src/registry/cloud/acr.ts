/**
 * Azure Container Registry: an Entra ID token for ACR's audience from `@azure/identity`'s
 * credentials (AKS workload identity: a federated token file and client id; or a service principal's
 * secret in the environment; or a managed identity), exchanged at the registry's own
 * `/oauth2/exchange` for an ACR refresh token. That token is then used like a `docker login`
 * identity token: the registry's `/oauth2/token` turns it into access tokens per scope.
 */
import { ChainedTokenCredential, EnvironmentCredential, ManagedIdentityCredential, WorkloadIdentityCredential, type TokenCredential } from '@azure/identity';
import { identity } from '../credentials.ts';
import { CloudAuthError, safeReason } from './credentials.ts';
import type { CloudAuth, CloudContext, CloudProvider, CloudToken } from './types.ts';

const SCOPE = 'https://containerregistry.azure.net/.default';
/** ACR's convention for a refresh token's user name. */
const NULL_GUID = '00000000-0000-0000-0000-000000000000';
/** One Entra credential per (tenant, client id): each caches and refreshes its own token. */
export function createAcrProvider(): CloudProvider {
  const credentials = new Map<string, TokenCredential>();
  return { token: (host, auth, context) => acrToken(host, auth, context, (a) => credential(credentials, a)) };
}

function credential(credentials: Map<string, TokenCredential>, auth: Extract<CloudAuth, { cloud: 'acr' }>): TokenCredential {
  const key = `${auth.tenantId ?? ''}\0${auth.clientId ?? ''}`;
  let found = credentials.get(key);
  if (found === undefined) {
    // The production part of DefaultAzureCredential's chain: no developer tools (az, pwsh, azd) spawned in a pod.
    const workload = new WorkloadIdentityCredential({ tenantId: auth.tenantId, clientId: auth.clientId });
    const managed = new ManagedIdentityCredential(auth.clientId === undefined ? {} : { clientId: auth.clientId });
    credentials.set(key, (found = new ChainedTokenCredential(new EnvironmentCredential(), workload, managed)));
  }
  return found;
}

async function acrToken(host: string, auth: CloudAuth, context: CloudContext, credential: (auth: Extract<CloudAuth, { cloud: 'acr' }>) => TokenCredential): Promise<CloudToken> {
  if (auth.cloud !== 'acr') throw new CloudAuthError(auth.cloud, host, 'not an Azure registry');
  let entra;
  try {
    entra = await credential(auth).getToken(SCOPE);
  } catch (error) {
    throw new CloudAuthError('acr', host, `Entra ID: ${safeReason(error)}`);
  }
  if (entra?.token === undefined) throw new CloudAuthError('acr', host, 'Entra ID gave no token');
  const tenant = auth.tenantId ?? claims(entra.token).tid;
  const refresh = await exchange(host, context, entra.token, typeof tenant === 'string' ? tenant : undefined);
  const exp = claims(refresh).exp;
  // ACR refresh tokens last about 3 hours; its `exp` says, else the Entra token's end is used.
  const expiresAt = typeof exp === 'number' ? exp * 1000 : entra.expiresOnTimestamp;
  return { credential: identity(host, refresh, NULL_GUID), expiresAt };
}

/** `POST /oauth2/exchange` on the registry itself: the Entra token for an ACR refresh token. */
async function exchange(host: string, context: CloudContext, accessToken: string, tenant: string | undefined): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'access_token', service: host, access_token: accessToken });
  if (tenant !== undefined) form.set('tenant', tenant);
  const reply = await context.post(new URL('/oauth2/exchange', context.origin), form);
  if (reply.status !== 200) throw new CloudAuthError('acr', host, `/oauth2/exchange answered ${reply.status}`);
  let body: unknown;
  try {
    body = JSON.parse(reply.body.toString('utf8'));
  } catch {
    throw new CloudAuthError('acr', host, '/oauth2/exchange answered something that is not JSON');
  }
  const token = (body as { refresh_token?: unknown } | null)?.refresh_token;
  if (typeof token !== 'string' || !/^[\x21-\x7e]{1,16384}$/.test(token)) throw new CloudAuthError('acr', host, '/oauth2/exchange gave no refresh token');
  return token;
}

/** A JWT's claims, unverified: only to read when it expires and whose tenant it is. */
function claims(jwt: string): Record<string, unknown> {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
