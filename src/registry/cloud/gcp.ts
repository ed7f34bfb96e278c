/**
 * Google Artifact Registry and Container Registry: an OAuth2 access token from Application
 * Default Credentials (`google-auth-library`): on GKE with Workload Identity or on GCE, the
 * metadata server (`GCE_METADATA_HOST` moves it); with a service-account key file (the config's
 * `credentialsFile`, or `GOOGLE_APPLICATION_CREDENTIALS`), a signed JWT assertion exchanged at
 * Google's token endpoint. The registry takes it as the password of `oauth2accesstoken`.
 */
import { GoogleAuth } from 'google-auth-library';
import { basic } from '../credentials.ts';
import { CloudAuthError, safeReason } from './credentials.ts';
import type { CloudAuth, CloudProvider, CloudToken } from './types.ts';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** One GoogleAuth per key file ('' for the default): each caches and refreshes its own token. */
export function createGcpProvider(): CloudProvider {
  const auths = new Map<string, GoogleAuth>();
  return { token: (host, auth) => gcpToken(host, auth, auths) };
}

async function gcpToken(host: string, auth: CloudAuth, auths: Map<string, GoogleAuth>): Promise<CloudToken> {
  if (auth.cloud !== 'gcp') throw new CloudAuthError(auth.cloud, host, 'not a Google registry');
  const key = auth.credentialsFile ?? '';
  let google = auths.get(key);
  // A registry token needs no project: naming one skips project discovery, which runs the gcloud CLI and waits on it.
  if (google === undefined) auths.set(key, (google = new GoogleAuth({ scopes: [SCOPE], projectId: 'tagpilot-registry-auth', ...(key === '' ? {} : { keyFile: key }) })));
  try {
    const client = await google.getClient();
    const { token } = await client.getAccessToken();
    if (typeof token !== 'string' || token === '') throw new Error('no access token');
    // Google's tokens last an hour; the library says when this one ends.
    const expiry = client.credentials.expiry_date;
    return { credential: basic(host, 'oauth2accesstoken', token), expiresAt: typeof expiry === 'number' ? expiry : Date.now() + 30 * 60_000 };
  } catch (error) {
    throw new CloudAuthError('gcp', host, safeReason(error));
  }
}
