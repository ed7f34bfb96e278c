import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates, setDefaultCACertificates } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../../harness/registry.ts';
import { seedTags } from '../../harness/images.ts';
import { makeCert, TokenServer, type TestCert } from '../../harness/token-server.ts';
import { AcrFront, EntraDouble, ENTRA_HOST } from '../../harness/clouds/azure.ts';
import { ConnectProxy } from '../../harness/clouds/connect-proxy.ts';
import { jwtKey, signJwt } from '../../harness/clouds/jwt.ts';
import { ref, tempDir, testClient } from '../helpers.ts';
import { isolateCloudEnv, withEnv } from './env.ts';
import type { RegistryClientOptions } from '../../../src/registry/client.ts';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '5b1ff3f0-2f2a-4f6e-8a3e-9f0c1d2e3f40';
const ISSUER = 'https://eastus.oic.prod-aks.azure.com/tenant/cluster/';
const SUBJECT = 'system:serviceaccount:tagpilot:tagpilot';

describe('Azure Container Registry through @azure/identity (Entra ID and ACR doubles, real Distribution)', () => {
  const dir = tempDir('acr');
  const aks = jwtKey('aks');
  let entraCert: TestCert;
  let signerCert: TestCert;
  let entra: EntraDouble;
  let front: AcrFront;
  let signer: TokenServer;
  let registry: TestRegistry;
  let proxy: ConnectProxy;
  let tokenFile: string;

  before(async () => {
    isolateCloudEnv(dir.path);
    entraCert = makeCert([`DNS:${ENTRA_HOST}`]);
    setDefaultCACertificates([...rootCertificates, entraCert.certPem]);
    entra = await EntraDouble.start({ cert: entraCert, tenantId: TENANT, clientId: CLIENT, oidc: { issuer: ISSUER, publicKey: aks.publicKey, subject: SUBJECT } });
    proxy = await ConnectProxy.start({ [`${ENTRA_HOST}:443`]: entra.port });
    front = await AcrFront.start({ entraKey: entra.signer.publicKey, tenantId: TENANT });
    signerCert = makeCert();
    signer = await TokenServer.start({ cert: signerCert, https: false, service: front.host, issuer: 'acr-double' });
    registry = await startRegistry({ extraConfig: front.registryConfig(signerCert.certFile) });
    front.connect(registry.url, signer);
    await seedTags(registry.url, 'team/api', [{ tag: '3.0.0' }, { tag: '3.1.0' }], { auth: { bearer: signer.mint('seeder', 'team/api', ['pull', 'push']) } });
    tokenFile = join(dir.path, 'azure-identity-token');
    writeFileSync(tokenFile, signJwt(aks, { iss: ISSUER, sub: SUBJECT, aud: 'api://AzureADTokenExchange', exp: Math.floor(Date.now() / 1000) + 86_400 }));
  });

  after(async () => {
    await Promise.all([registry.stop(), signer.stop(), front.stop(), entra.stop(), proxy.stop()]);
    entraCert.cleanup();
    signerCert.cleanup();
    dir.remove();
  });

  // What the AKS workload identity webhook injects into the pod.
  const workloadIdentity = () => ({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_AUTHORITY_HOST: `https://${ENTRA_HOST}/`, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
  const acrClient = (extra: RegistryClientOptions = {}) => testClient([], { registries: [{ host: front.host, insecure: true, credentials: { cloud: 'acr' } }], ...extra });
  const apis = () => [...entra.calls, ...front.calls].map((c) => c.api);

  test('workload identity: Entra token → /oauth2/exchange → refresh token → /oauth2/token per scope', async () => {
    await withEnv(workloadIdentity(), async () => {
      const client = acrClient();
      assert.deepEqual(
        (await client.listTags(ref(`${front.host}/team/api`))).tags.map((t) => t.tag),
        ['3.0.0', '3.1.0'],
      );
      assert.deepEqual(
        apis().filter((api) => !api.startsWith('entra:openid') && !api.startsWith('entra:instance')),
        ['entra:token', 'acr:exchange', 'acr:token'],
      );
      assert.deepEqual(entra.refusals, []);
      await client.close();
    });
  });

  test('the refresh token is reused while fresh and exchanged again before it expires', async (t) => {
    await withEnv(workloadIdentity(), async () => {
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      const client = acrClient({ tagCacheTtlMs: 0 });
      const exchanges = () => front.calls.filter((c) => c.api === 'acr:exchange').length;
      const start = exchanges();
      await client.listTags(ref(`${front.host}/team/api`));
      t.mock.timers.tick(2 * 3600_000);
      await client.listTags(ref(`${front.host}/team/api`));
      assert.equal(exchanges() - start, 1, 'still fresh after 2 hours');
      t.mock.timers.tick(40 * 60_000);
      await client.listTags(ref(`${front.host}/team/api`));
      assert.equal(exchanges() - start, 2, 'exchanged again 20 minutes before the 3-hour token ends');
      t.mock.timers.reset();
      await client.close();
    });
  });

  test('a ServiceAccount without a federated credential is refused, and the error holds no token', async () => {
    const intruder = join(dir.path, 'intruder-token');
    const token = signJwt(aks, { iss: ISSUER, sub: 'system:serviceaccount:other:intruder', aud: 'api://AzureADTokenExchange', exp: Math.floor(Date.now() / 1000) + 3600 });
    writeFileSync(intruder, token);
    await withEnv({ ...workloadIdentity(), AZURE_FEDERATED_TOKEN_FILE: intruder }, async () => {
      const client = acrClient();
      await assert.rejects(client.listTags(ref(`${front.host}/team/api`)), (error: Error) => {
        assert.match(error.message, /team\/api: acr credentials for 127\.0\.0\.1:\d+: Entra ID/);
        assert.ok(!error.message.includes(token.split('.')[2]!), 'no part of the federated token');
        return true;
      });
      await client.close();
    });
  });
});
