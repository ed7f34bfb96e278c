import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalImageRef, canonicalRepository, formatImageRef, ImageRefError, parseImageRef, type ImageRef } from '../../src/image/ref.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageRef reads the reference as written', () => {
  const cases: [string, ImageRef][] = [
    ['nginx', { path: 'nginx' }],
    ['nginx:1.25', { path: 'nginx', tag: '1.25' }],
    ['team/app:v1', { path: 'team/app', tag: 'v1' }],
    ['ghcr.io/org/app:1.0.0', { host: 'ghcr.io', path: 'org/app', tag: '1.0.0' }],
    ['127.0.0.1:5000/team/web:1.2.0', { host: '127.0.0.1:5000', path: 'team/web', tag: '1.2.0' }],
    ['localhost/app', { host: 'localhost', path: 'app' }],
    ['localhost:5000/app', { host: 'localhost:5000', path: 'app' }],
    ['[::1]:5000/app:1', { host: '[::1]:5000', path: 'app', tag: '1' }],
    [`app@${DIGEST}`, { path: 'app', digest: DIGEST }],
    [`quay.io/a/b/c:latest@${DIGEST}`, { host: 'quay.io', path: 'a/b/c', tag: 'latest', digest: DIGEST }],
    ['my_org/my__app-x.y:tag', { path: 'my_org/my__app-x.y', tag: 'tag' }],
  ];
  for (const [text, expected] of cases) {
    test(text, () => {
      const ref = parseImageRef(text);
      assert.deepEqual({ ...ref }, { host: undefined, tag: undefined, digest: undefined, ...expected });
    });
  }
});

describe('invalid references are clear errors', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['Nginx', /bad repository path component "Nginx"/],
    ['nginx:', /bad tag ""/],
    ['nginx:-bad', /bad tag "-bad"/],
    [`nginx:${'a'.repeat(129)}`, /bad tag/],
    ['nginx@sha256:short', /bad digest/],
    [`nginx@sha256:${'A'.repeat(64)}`, /bad digest/],
    ['a@b@c', /more than one "@"/],
    ['host:99x/app', /bad registry host/],
    ['team//app', /bad repository path component ""/],
    ['team/app_', /bad repository path component "app_"/],
    ['nginx 1.0', /whitespace/],
    [`example.com/${'a'.repeat(250)}`, /longer than 255/],
  ];
  for (const [text, why] of cases) {
    test(JSON.stringify(text), () => {
      assert.throws(
        () => parseImageRef(text),
        (error: Error) => error instanceof ImageRefError && why.test(error.message),
      );
    });
  }
});

describe('canonical names: one name per repository however it is written', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/library/nginx', 'docker.io/library/nginx'],
    ['registry-1.docker.io/nginx:1', 'docker.io/library/nginx'],
    ['bitnami/redis', 'docker.io/bitnami/redis'],
    ['GHCR.io/org/app', 'ghcr.io/org/app'],
    ['127.0.0.1:5000/app:1', '127.0.0.1:5000/app'],
  ];
  for (const [text, canonical] of cases) {
    test(`${text} → ${canonical}`, () => assert.equal(canonicalRepository(parseImageRef(text)), canonical));
  }

  test('the canonical reference keeps tag and digest', () => {
    assert.equal(canonicalImageRef(parseImageRef(`nginx:1.25@${DIGEST}`)), `docker.io/library/nginx:1.25@${DIGEST}`);
  });
});

const component = fc.stringMatching(/^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/).filter((s) => s.length <= 20);
const arbitraryRef: fc.Arbitrary<ImageRef> = fc
  .record({
    host: fc.option(fc.constantFrom('docker.io', 'ghcr.io', 'localhost', 'localhost:5000', '127.0.0.1:5000', 'registry.example.com:443', 'INDEX.docker.io'), { nil: undefined }),
    path: fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
    tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/), { nil: undefined }),
    digest: fc.option(
      fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`),
      { nil: undefined },
    ),
    // Without a host, a first component that looks like one (`a.b/c`) is read as a host: Docker's rule.
  })
  .filter((ref) => ref.host !== undefined || !/^(?:[^/]*\.|localhost\/)/.test(`${ref.path}/`));

describe('properties', () => {
  test('parse(format(ref)) gives the reference back', () => {
    fc.assert(
      fc.property(arbitraryRef, (ref) => {
        assert.deepEqual({ ...parseImageRef(formatImageRef(ref)) }, { ...ref });
      }),
    );
  });

  test('canonical names are stable: canonicalising a canonical name changes nothing', () => {
    fc.assert(
      fc.property(arbitraryRef, (ref) => {
        const once = canonicalImageRef(ref);
        assert.equal(canonicalImageRef(parseImageRef(once)), once);
        assert.equal(canonicalRepository(parseImageRef(once)), canonicalRepository(ref));
      }),
    );
  });
});
