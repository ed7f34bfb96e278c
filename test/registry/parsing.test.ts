import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenge } from '../../src/registry/challenge.ts';
import { endpointFor } from '../../src/registry/endpoint.ts';
import { parseImageRef } from '../../src/image/ref.ts';
import { MANIFEST_ACCEPT, normalisePlatform, readManifest, verifyDigest } from '../../src/registry/manifests.ts';

describe('WWW-Authenticate challenges', () => {
  const cases: [string | undefined, object | undefined][] = [
    ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"', { scheme: 'bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' }],
    ['bearer realm="https://r/t", service="s"', { scheme: 'bearer', realm: 'https://r/t', service: 's', scope: undefined }],
    ['Bearer realm="https://r/t",scope="repository:a:pull,push"', { scheme: 'bearer', realm: 'https://r/t', service: undefined, scope: 'repository:a:pull,push' }],
    ['Basic realm="Registry Realm"', { scheme: 'basic', realm: 'Registry Realm', service: undefined, scope: undefined }],
    ['Bearer realm=unquoted,service=svc', { scheme: 'bearer', realm: 'unquoted', service: 'svc', scope: undefined }],
    ['Negotiate abc', undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of cases) test(String(header), () => assert.deepEqual(parseChallenge(header), expected));
});

describe('platforms are normalised', () => {
  const cases: [unknown, string | undefined][] = [
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'arm64' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'arm' }, 'linux/arm/v7'],
    [{ os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6'],
    [{ os: 'unknown', architecture: 'unknown' }, undefined],
    [{ os: 'linux', architecture: 'amd64/../x' }, undefined],
    [null, undefined],
  ];
  for (const [platform, expected] of cases) test(JSON.stringify(platform), () => assert.equal(normalisePlatform(platform), expected));
});

describe('manifests', () => {
  test('Accept names all four manifest media types', () => {
    for (const type of ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json']) {
      assert.ok(MANIFEST_ACCEPT.includes(type), type);
    }
  });

  test('a body that does not hash to its digest is refused', () => {
    assert.throws(() => verifyDigest(Buffer.from('{}'), `sha256:${'0'.repeat(64)}`, 'manifest'), /does not match its digest/);
    assert.throws(() => verifyDigest(Buffer.from('{}'), `sha512:${'0'.repeat(128)}`, 'manifest'), /unsupported digest algorithm/);
  });

  test('an index drops attestation entries and keeps the created annotation', () => {
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    const body = Buffer.from(
      JSON.stringify({
        mediaType: 'application/vnd.oci.image.index.v1+json',
        annotations: { 'org.opencontainers.image.created': '2024-05-01T10:00:00Z' },
        manifests: [{ digest: digest('a'), platform: { os: 'linux', architecture: 'arm64' } }, { digest: digest('b'), platform: { os: 'unknown', architecture: 'unknown' } }, { digest: 'not-a-digest' }],
      }),
    );
    assert.deepEqual(readManifest(body, undefined, 'm'), {
      kind: 'index',
      created: '2024-05-01T10:00:00.000Z',
      children: [
        { digest: digest('a'), platform: 'linux/arm64/v8' },
        { digest: digest('b'), platform: undefined },
      ],
    });
  });

  test('an image manifest without a config digest is an error', () => {
    assert.throws(() => readManifest(Buffer.from('{"schemaVersion":2}'), 'application/vnd.oci.image.manifest.v1+json', 'm'), /without a config digest/);
  });
});

describe('endpoints: where a reference is asked for', () => {
  const registries = [
    { host: 'registry.local:5000', insecure: true },
    { host: 'index.docker.io', insecure: false, pageSize: 100 },
  ];
  const cases: [string, string, string, number | undefined][] = [
    ['nginx', 'https://registry-1.docker.io', 'library/nginx', 100],
    ['docker.io/bitnami/redis', 'https://registry-1.docker.io', 'bitnami/redis', 100],
    ['registry.local:5000/team/web', 'http://registry.local:5000', 'team/web', undefined],
    ['ghcr.io/org/app', 'https://ghcr.io', 'org/app', undefined],
  ];
  for (const [text, origin, path, pageSize] of cases) {
    test(text, () => {
      const endpoint = endpointFor(parseImageRef(text), registries);
      assert.deepEqual([endpoint.base.origin, endpoint.path, endpoint.settings?.pageSize], [origin, path, pageSize]);
    });
  }
});
