import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { htpasswdConfig, startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags } from '../harness/images.ts';
import { makeCert, TokenServer, type TestCert } from '../harness/token-server.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { ref, tempDir, testClient } from './helpers.ts';

describe('htpasswd Basic auth (real Distribution)', () => {
  let registry: TestRegistry;
  const dir = tempDir('htpasswd');

  before(async () => {
    registry = await startRegistry({ extraConfig: await htpasswdConfig(dir.path, { bot: 's3cret-pass' }) });
    await seedTags(registry.url, 'team/private', [{ tag: '1.0.0' }], { auth: { username: 'bot', password: 's3cret-pass' } });
  });

  after(async () => {
    await registry.stop();
    dir.remove();
  });

  test('configured credentials answer the Basic challenge', async () => {
    const client = testClient([], { registries: [{ host: registry.host, insecure: true, credentials: { username: 'bot', password: 's3cret-pass' } }] });
    assert.deepEqual((await client.listTags(ref(`${registry.host}/team/private`))).tags, [{ tag: '1.0.0' }]);
    await client.close();
  });

  test('without credentials the error says access was refused', async () => {
    const client = testClient([registry.host]);
    await assert.rejects(client.listTags(ref(`${registry.host}/team/private`)), /team\/private: .*refused access \(401\)/);
    await client.close();
  });

  test('a wrong password never appears in the error', async () => {
    const client = testClient([], { registries: [{ host: registry.host, insecure: true, credentials: { username: 'bot', password: 'wrong-pass-XYZ' } }] });
    await assert.rejects(client.listTags(ref(`${registry.host}/team/private`)), (error: Error) => !error.message.includes('wrong-pass-XYZ') && /401/.test(error.message));
    await client.close();
  });

  test('credentials from a dockerconfigjson "auth" entry', async () => {
    const auth = Buffer.from('bot:s3cret-pass').toString('base64');
    const client = testClient([registry.host], { dockerConfig: { auths: { [`http://${registry.host}`]: { auth } } } });
    assert.deepEqual((await client.listTags(ref(`${registry.host}/team/private`))).tags, [{ tag: '1.0.0' }]);
    await client.close();
  });

  test('credentials from a docker credential helper', async () => {
    const helperFile = join(dir.path, 'docker-credential-local');
    writeFileSync(helperFile, `#!/bin/sh\ncat > /dev/null\necho '{"Username":"bot","Secret":"s3cret-pass"}'\n`);
    chmodSync(helperFile, 0o755);
    const client = testClient([registry.host], { dockerConfig: { credHelpers: { [registry.host]: 'local' } }, env: { PATH: `${dir.path}:${process.env.PATH}` } });
    assert.deepEqual((await client.listTags(ref(`${registry.host}/team/private`))).tags, [{ tag: '1.0.0' }]);
    await client.close();
  });

  test('a redirect to another origin (blob storage) is followed without the Authorization header', async () => {
    const storage = await FaultProxy.start({ upstream: registry.url });
    const front = await FaultProxy.start({ upstream: registry.url });
    front.inject(/GET \/v2\/team\/private\/blobs\//, { status: 307, headers: { location: `${storage.url}/v2/team/private/blobs/elsewhere` } });
    const client = testClient([storage.host], {
      registries: [
        { host: front.host, insecure: true, credentials: { username: 'bot', password: 's3cret-pass' } },
        { host: storage.host, insecure: true },
      ],
    });
    await client.listTags(ref(`${front.host}/team/private`), { created: true, digests: false, platforms: false });
    assert.equal(storage.requests.length, 1);
    assert.equal(storage.requests[0]!.authorization, undefined);
    assert.ok(front.requests.filter((r) => r.path.includes('/blobs/')).every((r) => r.authorization?.startsWith('Basic ')));
    await client.close();
    await Promise.all([storage.stop(), front.stop()]);
  });

  test('Basic credentials are sent up front once the registry has challenged', async () => {
    const proxy = await FaultProxy.start({ upstream: registry.url });
    const client = testClient([proxy.host], { registries: [{ host: proxy.host, insecure: true, credentials: { username: 'bot', password: 's3cret-pass' } }], tagCacheTtlMs: 0 });
    await client.listTags(ref(`${proxy.host}/team/private`));
    await client.listTags(ref(`${proxy.host}/team/private`));
    assert.deepEqual(
      proxy.requests.map((r) => (r.authorization === undefined ? 'anonymous' : r.authorization.split(' ')[0])),
      ['anonymous', 'Basic', 'Basic'],
    );
    await client.close();
    await proxy.stop();
  });
});

describe('token auth (real Distribution with a token server)', () => {
  let cert: TestCert;
  let tokens: TokenServer;
  let registry: TestRegistry;

  before(async () => {
    cert = makeCert();
    tokens = await TokenServer.start({ cert, https: true, service: 'tagpilot-test', issuer: 'tagpilot-tokens', users: { bot: 'tok-pass' }, refreshTokens: { 'refresh-abc': 'bot' }, anonymousPull: false });
    registry = await startRegistry({ extraConfig: tokens.registryConfig() });
    await seedTags(registry.url, 'team/app', [{ tag: '1.0.0' }, { tag: '1.1.0' }], { auth: { bearer: tokens.mint('seeder', 'team/app', ['pull', 'push']) } });
    await seedTags(registry.url, 'team/other', [{ tag: '3.0.0' }], { auth: { bearer: tokens.mint('seeder', 'team/other', ['pull', 'push']) } });
  });

  after(async () => {
    await Promise.all([registry.stop(), tokens.stop()]);
    cert.cleanup();
  });

  const withBot = (extra = {}) => testClient([], { ca: [cert.certPem], registries: [{ host: registry.host, insecure: true, credentials: { username: 'bot', password: 'tok-pass' } }], ...extra });

  test('the Bearer challenge is answered with a token from the HTTPS realm (custom CA)', async () => {
    const client = withBot();
    assert.deepEqual((await client.listTags(ref(`${registry.host}/team/app`))).tags, [{ tag: '1.0.0' }, { tag: '1.1.0' }]);
    assert.deepEqual(tokens.requests.at(-1), { method: 'GET', path: '/token', who: 'basic:bot', scope: 'repository:team/app:pull', service: 'tagpilot-test' });
    await client.close();
  });

  test('a token is reused per scope until it expires; another repository gets its own', async () => {
    const client = withBot({ tagCacheTtlMs: 0 });
    const before = tokens.requests.length;
    await client.listTags(ref(`${registry.host}/team/app`));
    await client.listTags(ref(`${registry.host}/team/app`));
    await client.listTags(ref(`${registry.host}/team/other`));
    assert.deepEqual(
      tokens.requests.slice(before).map((r) => r.scope),
      ['repository:team/app:pull', 'repository:team/other:pull'],
    );
    await client.close();
  });

  test('a token is renewed before it expires (5-minute token: after 4.5 minutes)', async (t) => {
    const client = withBot({ tagCacheTtlMs: 0 });
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const before = tokens.requests.length;
    await client.listTags(ref(`${registry.host}/team/app`));
    t.mock.timers.tick(240_000);
    await client.listTags(ref(`${registry.host}/team/app`));
    assert.equal(tokens.requests.length - before, 1, 'still fresh after 4 minutes');
    t.mock.timers.tick(30_000);
    await client.listTags(ref(`${registry.host}/team/app`));
    assert.equal(tokens.requests.length - before, 2, 'renewed 30 s before expiry');
    t.mock.timers.reset();
    await client.close();
  });

  test('an identity token from dockerconfigjson is exchanged with the refresh_token grant', async () => {
    const client = testClient([registry.host], { ca: [cert.certPem], dockerConfig: { auths: { [registry.host]: { identitytoken: 'refresh-abc' } } } });
    assert.equal((await client.listTags(ref(`${registry.host}/team/other`))).tags.length, 1);
    assert.deepEqual(tokens.requests.at(-1), { method: 'POST', path: '/token', who: 'refresh:bot', scope: 'repository:team/other:pull', service: 'tagpilot-test' });
    await client.close();
  });

  test('without the CA the realm is not trusted, and the error says TLS', async () => {
    const client = withBot({ ca: [] });
    await assert.rejects(client.listTags(ref(`${registry.host}/team/app`)), /team\/app: .*TLS failed/);
    await client.close();
  });
});

describe('credentials go to the registry and HTTPS realms only', () => {
  let cert: TestCert;
  let tokens: TokenServer;
  let registry: TestRegistry;

  before(async () => {
    cert = makeCert();
    tokens = await TokenServer.start({ cert, https: false, service: 'tagpilot-test', issuer: 'tagpilot-tokens', users: { bot: 'tok-pass' }, anonymousPull: true });
    registry = await startRegistry({ extraConfig: tokens.registryConfig() });
    await seedTags(registry.url, 'team/app', [{ tag: '1.0.0' }], { auth: { bearer: tokens.mint('seeder', 'team/app', ['pull', 'push']) } });
  });

  after(async () => {
    await Promise.all([registry.stop(), tokens.stop()]);
    cert.cleanup();
  });

  test('a plain-HTTP realm on another host gets no credentials (the client asks anonymously)', async () => {
    const client = testClient([registry.host, new URL(tokens.realm).host], {
      registries: [
        { host: registry.host, insecure: true, credentials: { username: 'bot', password: 'tok-pass' } },
        { host: new URL(tokens.realm).host, insecure: true },
      ],
    });
    assert.deepEqual((await client.listTags(ref(`${registry.host}/team/app`))).tags, [{ tag: '1.0.0' }]);
    assert.deepEqual(
      tokens.requests.map((r) => r.who),
      ['anonymous'],
    );
    await client.close();
  });
});
