import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudCredentials, cloudForHost, redact, type CloudAuth, type CloudKind, type CloudProvider } from '../../../src/registry/cloud/index.ts';
import { basic } from '../../../src/registry/credentials.ts';

describe('cloud registries by host name', () => {
  const cases: [string, CloudAuth | undefined][] = [
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', { cloud: 'ecr', registryId: '123456789012', region: 'eu-west-1' }],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', { cloud: 'ecr', registryId: '123456789012', region: 'us-gov-west-1' }],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { cloud: 'ecr', registryId: '123456789012', region: 'cn-north-1' }],
    ['public.ecr.aws', { cloud: 'ecr-public' }],
    ['europe-west1-docker.pkg.dev', { cloud: 'gcp' }],
    ['gcr.io', { cloud: 'gcp' }],
    ['eu.gcr.io', { cloud: 'gcp' }],
    ['myregistry.azurecr.io', { cloud: 'acr' }],
    ['ghcr.io', undefined],
    ['docker.io', undefined],
    ['evil.gcr.io.example.com', undefined],
    ['12345.dkr.ecr.eu-west-1.amazonaws.com', undefined],
    ['dkr.ecr.eu-west-1.amazonaws.com.evil.example', undefined],
    ['my.azurecr.io.example', undefined],
  ];
  for (const [host, expected] of cases) test(`${host} → ${expected?.cloud ?? 'none'}`, () => assert.deepEqual(cloudForHost(host), expected));
});

/** A provider that counts its calls and hands out tokens that last `lifetimeMs` on the injected clock. */
function fakeCloud(clock: { now: number }, lifetimeMs: number, fail?: string) {
  const calls: string[] = [];
  const provider: CloudProvider = {
    async token(host) {
      calls.push(host);
      if (fail !== undefined) throw new Error(fail);
      return { credential: basic(host, 'AWS', `pw-${calls.length}`), expiresAt: clock.now + lifetimeMs };
    },
  };
  const cloud = new CloudCredentials({ context: () => ({ origin: new URL('https://x'), post: async () => ({ status: 500, body: Buffer.alloc(0) }) }), now: () => clock.now, load: async (_kind: CloudKind) => provider });
  return { cloud, calls };
}

describe('cloud credentials: cache, renewal, fallback', () => {
  const ecr = { cloud: 'ecr', region: 'eu-west-1' } as const;

  test('a 12-hour token is renewed 30 minutes before it expires, not earlier', async () => {
    const clock = { now: 0 };
    const { cloud, calls } = fakeCloud(clock, 12 * 3600_000);
    await cloud.get('r.example', ecr);
    clock.now = 11.5 * 3600_000 - 1;
    await cloud.get('r.example', ecr);
    assert.equal(calls.length, 1);
    clock.now = 11.5 * 3600_000;
    assert.partialDeepStrictEqual(await cloud.get('r.example', ecr), { password: 'pw-2' });
  });

  test('a short token is renewed a quarter of its lifetime early', async () => {
    const clock = { now: 0 };
    const { cloud, calls } = fakeCloud(clock, 60 * 60_000);
    await cloud.get('r.example', ecr);
    clock.now = 44 * 60_000;
    await cloud.get('r.example', ecr);
    clock.now = 45 * 60_000;
    await cloud.get('r.example', ecr);
    assert.equal(calls.length, 2);
  });

  test('concurrent requests share one token request', async () => {
    const { cloud, calls } = fakeCloud({ now: 0 }, 3600_000);
    await Promise.all([cloud.get('r.example', ecr), cloud.get('r.example', ecr), cloud.get('r.example', ecr)]);
    assert.equal(calls.length, 1);
  });

  test('forget (the registry refused the token) asks the cloud again', async () => {
    const { cloud, calls } = fakeCloud({ now: 0 }, 3600_000);
    await cloud.get('r.example', ecr);
    cloud.forget('r.example');
    await cloud.get('r.example', ecr);
    assert.equal(calls.length, 2);
  });

  test('a configured cloud that fails is an error with the code cloud-auth-failed', async () => {
    const { cloud } = fakeCloud({ now: 0 }, 3600_000, 'no identity');
    await assert.rejects(cloud.get('r.example', ecr), { code: 'cloud-auth-failed', message: 'ecr credentials for r.example: no identity' });
  });

  test('a host chosen by its name falls back to anonymous with a note, and is not asked again for 5 minutes', async () => {
    const clock = { now: 0 };
    const { cloud, calls } = fakeCloud(clock, 3600_000, 'no identity');
    assert.equal(await cloud.get('gcr.io', undefined), undefined);
    assert.equal(cloud.note('gcr.io'), 'gcp credentials for gcr.io: no identity; asked anonymously');
    clock.now = 4 * 60_000;
    await cloud.get('gcr.io', undefined);
    assert.equal(calls.length, 1);
    clock.now = 5 * 60_000;
    await cloud.get('gcr.io', undefined);
    assert.equal(calls.length, 2);
  });

  test('any other host is never sent to a cloud', async () => {
    const { cloud, calls } = fakeCloud({ now: 0 }, 3600_000);
    assert.equal(await cloud.get('ghcr.io', undefined), undefined);
    assert.deepEqual(calls, []);
  });

  test('SDK messages lose anything long enough to be a token', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
    assert.equal(redact(`invalid_grant: token ${jwt} expired`), 'invalid_grant: token [redacted] expired');
  });
});
