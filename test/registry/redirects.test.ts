import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { htpasswdConfig, startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags } from '../harness/images.ts';
import { makeCert, TokenServer, type TestCert, type TokenServerOptions } from '../harness/token-server.ts';
import { FaultProxy, type SeenRequest } from '../harness/fault-proxy.ts';
import type { TagpilotError } from '../../src/problems/index.ts';
import { ref, tempDir, testClient } from './helpers.ts';

const PASSWORD = 's3cret-pass';
const REFRESH = 'refresh-abc-123';

/** The listing failed because a credentialed request was redirected off-origin: both hosts named, no secret quoted. */
function refusedRedirect(from: string, to: string) {
  return (error: TagpilotError) => {
    assert.equal(error.code, 'credential-redirect');
    assert.ok(error.message.includes(`${from} redirected a request carrying credentials to ${to}; refused`), error.message);
    for (const secret of [PASSWORD, REFRESH, Buffer.from(`bot:${PASSWORD}`).toString('base64')]) assert.ok(!error.message.includes(secret));
    return true;
  };
}

const withAuth = (r: SeenRequest) => r.authorization !== undefined && r.path.includes('/tags/list');

describe('a registry request carrying credentials never follows a redirect to another origin', () => {
  let cert: TestCert;
  let tokens: TokenServer;
  let basic: TestRegistry;
  let bearer: TestRegistry;
  const dir = tempDir('redirects');
  const proxies: FaultProxy[] = [];

  before(async () => {
    cert = makeCert();
    tokens = await TokenServer.start({ cert, https: true, service: 'tagpilot-test', issuer: 'tagpilot-tokens', users: { bot: PASSWORD }, anonymousPull: false });
    [basic, bearer] = await Promise.all([startRegistry({ extraConfig: await htpasswdConfig(dir.path, { bot: PASSWORD }) }), startRegistry({ extraConfig: tokens.registryConfig() })]);
    await seedTags(basic.url, 'team/app', [{ tag: '1.0.0' }], { auth: { username: 'bot', password: PASSWORD } });
    await seedTags(bearer.url, 'team/app', [{ tag: '1.0.0' }], { auth: { bearer: tokens.mint('seeder', 'team/app', ['pull', 'push']) } });
  });

  after(async () => {
    await Promise.all([...proxies.map((p) => p.stop()), basic.stop(), bearer.stop(), tokens.stop()]);
    cert.cleanup();
    dir.remove();
  });

  /** A front for `registry` that redirects authenticated tag-list requests to another proxy of it. */
  async function redirecting(registry: TestRegistry): Promise<{ front: FaultProxy; elsewhere: FaultProxy }> {
    const [front, elsewhere] = await Promise.all([FaultProxy.start({ upstream: registry.url }), FaultProxy.start({ upstream: registry.url })]);
    proxies.push(front, elsewhere);
    front.inject(withAuth, { status: 307, headers: { location: `${elsewhere.url}/v2/team/app/tags/list` } });
    return { front, elsewhere };
  }

  const client = (front: FaultProxy, elsewhere: FaultProxy) =>
    testClient([elsewhere.host], {
      ca: [cert.certPem],
      registries: [
        { host: front.host, insecure: true, credentials: { username: 'bot', password: PASSWORD } },
        { host: elsewhere.host, insecure: true },
      ],
    });

  test('Basic: the request with the password is refused a redirect to another host, which is never asked', async () => {
    const { front, elsewhere } = await redirecting(basic);
    const registry = client(front, elsewhere);
    await assert.rejects(registry.listTags(ref(`${front.host}/team/app`)), refusedRedirect(front.host, elsewhere.host));
    assert.equal(elsewhere.requests.length, 0);
    await registry.close();
  });

  test('Bearer: the request with the token is refused a redirect to another host, which is never asked', async () => {
    const { front, elsewhere } = await redirecting(bearer);
    const registry = client(front, elsewhere);
    await assert.rejects(registry.listTags(ref(`${front.host}/team/app`)), refusedRedirect(front.host, elsewhere.host));
    assert.ok(
      front.requests.some((r) => r.authorization?.startsWith('Bearer ')),
      'the redirected request carried the token',
    );
    assert.equal(elsewhere.requests.length, 0);
    await registry.close();
  });
});

describe('a token request never follows a redirect to another origin', () => {
  let cert: TestCert;
  let realm: TokenServer;
  let evil: TokenServer;
  let registry: TestRegistry;
  let redirect: TokenServerOptions['redirect'];

  before(async () => {
    cert = makeCert();
    const options = { cert, https: true, service: 'tagpilot-test', issuer: 'tagpilot-tokens', users: { bot: PASSWORD }, refreshTokens: { [REFRESH]: 'bot' }, anonymousPull: false };
    // The other origin signs with the same key: a token it hands out would work, so a leak would go unnoticed.
    [realm, evil] = await Promise.all([TokenServer.start({ ...options, redirect: (path) => redirect?.(path) }), TokenServer.start(options)]);
    registry = await startRegistry({ extraConfig: realm.registryConfig() });
    await seedTags(registry.url, 'team/app', [{ tag: '1.0.0' }], { auth: { bearer: realm.mint('seeder', 'team/app', ['pull', 'push']) } });
  });

  after(async () => {
    await Promise.all([registry.stop(), realm.stop(), evil.stop()]);
    cert.cleanup();
  });

  const realmHost = () => new URL(realm.realm).host;
  const withPassword = () => testClient([], { ca: [cert.certPem], registries: [{ host: registry.host, insecure: true, credentials: { username: 'bot', password: PASSWORD } }] });
  const withRefreshToken = () => testClient([registry.host], { ca: [cert.certPem], dockerConfig: { auths: { [registry.host]: { identitytoken: REFRESH } } } });

  test('Basic at the realm: a redirect to another origin fails, and the password never reaches it', async () => {
    redirect = () => ({ status: 302, location: evil.realm });
    const client = withPassword();
    await assert.rejects(client.listTags(ref(`${registry.host}/team/app`)), refusedRedirect(realmHost(), new URL(evil.realm).host));
    assert.equal(evil.requests.length, 0);
    await client.close();
  });

  for (const status of [301, 302, 303, 307, 308]) {
    test(`refresh-token POST answered ${status} to another origin fails, and the refresh token never reaches it`, async () => {
      redirect = () => ({ status, location: evil.realm });
      const client = withRefreshToken();
      await assert.rejects(client.listTags(ref(`${registry.host}/team/app`)), refusedRedirect(realmHost(), new URL(evil.realm).host));
      assert.equal(evil.requests.length, 0);
      await client.close();
    });
  }

  for (const status of [307, 308]) {
    test(`refresh-token POST answered ${status} on the same origin keeps its method and body`, async () => {
      redirect = (path) => (path === '/token' ? { status, location: '/token/moved' } : undefined);
      const client = withRefreshToken();
      assert.equal((await client.listTags(ref(`${registry.host}/team/app`))).tags.length, 1);
      assert.deepEqual(realm.requests.at(-1), { method: 'POST', path: '/token/moved', who: 'refresh:bot', scope: 'repository:team/app:pull', service: 'tagpilot-test' });
      await client.close();
    });
  }

  for (const status of [301, 302, 303]) {
    test(`refresh-token POST answered ${status} on the same origin becomes a GET without the body`, async () => {
      redirect = (path) => (path === '/token' ? { status, location: '/token/moved' } : undefined);
      const client = withRefreshToken();
      // Without the grant the realm hands out a token with no access: the registry refuses it.
      await assert.rejects(client.listTags(ref(`${registry.host}/team/app`)), /refused access \(401\)/);
      const moved = realm.requests.filter((r) => r.path === '/token/moved').at(-1);
      assert.deepEqual(moved, { method: 'GET', path: '/token/moved', who: 'anonymous', scope: undefined, service: undefined });
      await client.close();
    });
  }
});
