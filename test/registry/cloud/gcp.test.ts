import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates, setDefaultCACertificates } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../../harness/registry.ts';
import { seedTags } from '../../harness/images.ts';
import { makeCert, TokenServer, type TestCert } from '../../harness/token-server.ts';
import { GoogleDouble, GOOGLE_TOKEN_URL } from '../../harness/clouds/google.ts';
import { ConnectProxy } from '../../harness/clouds/connect-proxy.ts';
import { jwtKey } from '../../harness/clouds/jwt.ts';
import { ref, tempDir, testClient } from '../helpers.ts';
import { isolateCloudEnv, withEnv } from './env.ts';
import type { RegistryClientOptions } from '../../../src/registry/client.ts';

const SA = 'tagpilot@tagpilot-test.iam.gserviceaccount.com';

describe('Google Artifact Registry through google-auth-library (metadata server and OAuth doubles, real Distribution)', () => {
  const dir = tempDir('gcp');
  const saKey = jwtKey('key-1');
  let cert: TestCert;
  let googleCert: TestCert;
  let tokens: TokenServer;
  let registry: TestRegistry;
  let google: GoogleDouble;
  let proxy: ConnectProxy;
  let keyFile: string;

  before(async () => {
    isolateCloudEnv(dir.path);
    cert = makeCert();
    // The token endpoint double answers as oauth2.googleapis.com, with a certificate this process trusts.
    googleCert = makeCert(['DNS:oauth2.googleapis.com']);
    setDefaultCACertificates([...rootCertificates, googleCert.certPem]);
    google = await GoogleDouble.start({ cert: googleCert, serviceAccounts: { [SA]: saKey.publicKey }, metadataAccount: 'wi@tagpilot-test.iam.gserviceaccount.com' });
    proxy = await ConnectProxy.start({ 'oauth2.googleapis.com:443': google.oauthPort });
    tokens = await TokenServer.start({ cert, https: true, service: 'gar-double', issuer: 'gar-double', verify: (user, password) => google.acceptsToken(user, password) });
    registry = await startRegistry({ extraConfig: tokens.registryConfig() });
    await seedTags(registry.url, 'project/repo/app', [{ tag: '2.0.0' }, { tag: '2.1.0' }], { auth: { bearer: tokens.mint('seeder', 'project/repo/app', ['pull', 'push']) } });
    keyFile = join(dir.path, 'sa.json');
    writeFileSync(keyFile, JSON.stringify({ type: 'service_account', project_id: 'tagpilot-test', private_key_id: saKey.kid, private_key: saKey.privatePem, client_email: SA, client_id: '1234567890', token_uri: GOOGLE_TOKEN_URL }));
  });

  after(async () => {
    await Promise.all([registry.stop(), tokens.stop(), google.stop(), proxy.stop()]);
    cert.cleanup();
    googleCert.cleanup();
    dir.remove();
  });

  const gcpClient = (auth: { cloud: 'gcp'; credentialsFile?: string } = { cloud: 'gcp' }, extra: RegistryClientOptions = {}) => testClient([], { ca: [cert.certPem], registries: [{ host: registry.host, insecure: true, credentials: auth }], ...extra });
  const metadataEnv = () => ({ GCE_METADATA_HOST: google.metadataHost, METADATA_SERVER_DETECTION: 'ping-only' });
  const since = (mark: number) => google.calls.slice(mark).map((c) => c.api);

  test('workload identity: an access token from the metadata server, sent as oauth2accesstoken', async () => {
    await withEnv(metadataEnv(), async () => {
      const mark = google.calls.length;
      const client = gcpClient();
      assert.deepEqual(
        (await client.listTags(ref(`${registry.host}/project/repo/app`))).tags.map((t) => t.tag),
        ['2.0.0', '2.1.0'],
      );
      assert.deepEqual(since(mark), ['metadata:token']);
      assert.equal(tokens.requests.at(-1)?.who, 'basic:oauth2accesstoken');
      await client.close();
    });
  });

  test('a service-account key: a signed JWT assertion exchanged at the OAuth token endpoint', async () => {
    await withEnv({ HTTPS_PROXY: proxy.url }, async () => {
      const mark = google.calls.length;
      const client = gcpClient({ cloud: 'gcp', credentialsFile: keyFile });
      assert.equal((await client.listTags(ref(`${registry.host}/project/repo/app`))).tags.length, 2);
      assert.deepEqual(google.calls.slice(mark), [{ api: 'oauth:jwt-bearer', by: SA }]);
      assert.deepEqual(proxy.tunnels.at(-1), 'oauth2.googleapis.com:443');
      await client.close();
    });
  });

  test('a key the token endpoint does not know fails with a reason that holds no key or token', async () => {
    const stranger = jwtKey('key-2');
    const file = join(dir.path, 'stranger.json');
    writeFileSync(file, JSON.stringify({ type: 'service_account', project_id: 'x', private_key_id: 'key-2', private_key: stranger.privatePem, client_email: 'stranger@x.iam.gserviceaccount.com', client_id: '1', token_uri: GOOGLE_TOKEN_URL }));
    await withEnv({ HTTPS_PROXY: proxy.url }, async () => {
      const client = gcpClient({ cloud: 'gcp', credentialsFile: file });
      await assert.rejects(client.listTags(ref(`${registry.host}/project/repo/app`)), (error: Error) => {
        assert.match(error.message, /project\/repo\/app: gcp credentials for 127\.0\.0\.1:\d+: .*invalid_grant/);
        assert.ok(!error.message.includes(stranger.privatePem.split('\n')[1]!), 'no part of the private key');
        return true;
      });
      await client.close();
    });
  });

  test('an hour-long token is reused while fresh and renewed before it expires', async (t) => {
    await withEnv(metadataEnv(), async () => {
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      const client = gcpClient({ cloud: 'gcp' }, { tagCacheTtlMs: 0 });
      const mark = google.calls.length;
      await client.listTags(ref(`${registry.host}/project/repo/app`));
      t.mock.timers.tick(30 * 60_000);
      await client.listTags(ref(`${registry.host}/project/repo/app`));
      assert.equal(since(mark).length, 1, 'still fresh after 30 minutes');
      t.mock.timers.tick(27 * 60_000);
      await client.listTags(ref(`${registry.host}/project/repo/app`));
      assert.equal(since(mark).length, 2, 'renewed minutes before the hour ends');
      t.mock.timers.reset();
      await client.close();
    });
  });
});
