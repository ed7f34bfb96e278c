import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReceivers, type Receiver } from '../../../src/server/index.ts';

const SECRET = 'a-secret-of-32-characters-012345';

const refused = (receiver: Receiver, why: RegExp) =>
  assert.throws(
    () => checkReceivers([receiver]),
    (e: Error & { code?: string }) => e.code === 'config-invalid' && why.test(e.message),
    `${JSON.stringify(receiver)} should be refused with ${why}`,
  );

test('a receiver without a secret is refused, whatever its kind', () => {
  for (const kind of ['distribution', 'gitlab-registry', 'harbor', 'dockerhub', 'quay', 'github-packages', 'generic', 'github', 'gitlab', 'gitea'] as const) refused({ name: 'r', kind }, /without a secret is refused/);
});

test('a receiver with an empty or short secret is refused', () => {
  refused({ name: 'r', kind: 'github', secret: '' }, /without a secret is refused/);
  refused({ name: 'r', kind: 'harbor', token: 'short' }, /shorter than 16/);
});

test('a receiver with the kind of secret its sender does not use is refused', () => {
  refused({ name: 'r', kind: 'github', token: SECRET }, /needs a secret/);
  refused({ name: 'r', kind: 'distribution', secret: SECRET }, /needs a token/);
  refused({ name: 'r', kind: 'github', secret: SECRET, token: SECRET }, /not both/);
  refused({ name: 'r', kind: 'generic', secret: SECRET, token: SECRET }, /not both/);
});

test('names, body bounds and registry hosts are checked', () => {
  refused({ name: 'Has Spaces', kind: 'quay', token: SECRET }, /name must be/);
  refused({ name: 'r', kind: 'quay', token: SECRET, maxBodyBytes: 100 }, /maxBodyBytes/);
  refused({ name: 'r', kind: 'quay', token: SECRET, maxBodyBytes: 64 * 2 ** 20 }, /maxBodyBytes/);
  refused({ name: 'r', kind: 'github', secret: SECRET, registry: 'ghcr.io' }, /only on a registry receiver/);
  refused({ name: 'r', kind: 'harbor', token: SECRET, registry: 'https://harbor.example.com' }, /host or host:port/);
  assert.throws(
    () =>
      checkReceivers([
        { name: 'r', kind: 'quay', token: SECRET },
        { name: 'r', kind: 'harbor', token: SECRET },
      ]),
    /another receiver has this name/,
  );
});

test('a sound receiver is served, with the default body bound', () => {
  assert.deepEqual(checkReceivers([{ name: 'ci', kind: 'generic', secret: SECRET }]), [{ name: 'ci', kind: 'generic', secret: SECRET, maxBodyBytes: 2 ** 20 }]);
});

test('every problem is named at once, with the receiver it is about', () => {
  assert.throws(
    () =>
      checkReceivers([
        { name: 'a', kind: 'github' },
        { name: 'b', kind: 'quay', token: 'x' },
      ]),
    (e: Error) => /webhooks\[0\] \(a\).*webhooks\[1\] \(b\)/.test(e.message),
  );
});
