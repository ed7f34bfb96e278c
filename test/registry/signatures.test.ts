import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags } from '../harness/images.ts';
import { cosignKey, keySignature, pushSignatures, TestSigstore, type SignatureLayer } from '../harness/cosign.ts';
import { ref, tempDir, testClient } from './helpers.ts';
import { SignatureChecker, type SignaturePolicy } from '../../src/registry/signatures/index.ts';
import type { RegistryClient } from '../../src/registry/client.ts';

const ISSUER = 'https://token.actions.githubusercontent.com';
const IDENTITY = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';

describe('cosign signatures in the real registry, verified with @sigstore/verify', () => {
  const dir = tempDir('signatures');
  const ci = cosignKey();
  const stranger = cosignKey();
  const sigstore = new TestSigstore();
  const otherSigstore = new TestSigstore();
  let registry: TestRegistry;
  let client: RegistryClient;
  let digests: Map<string, string>;
  const repo = 'team/signed';
  const image = () => ref(`${registry.host}/${repo}`);
  const policies: SignaturePolicy[] = [
    { name: 'ci-key', kind: 'key', publicKey: ci.publicPem },
    { name: 'release', kind: 'keyless', issuer: ISSUER, identity: IDENTITY, trustedRoot: sigstore.trustedRoot() },
    { name: 'any-acme', kind: 'keyless', issuer: ISSUER, identityRegexp: '^https://github\\.com/acme/', trustedRoot: sigstore.trustedRoot() },
    { name: 'other-org', kind: 'keyless', issuer: ISSUER, identity: 'https://github.com/other/app/.github/workflows/release.yml@refs/heads/main', trustedRoot: sigstore.trustedRoot() },
    { name: 'gitlab', kind: 'keyless', issuer: 'https://gitlab.com', identity: IDENTITY, trustedRoot: sigstore.trustedRoot() },
  ];
  const checker = (cacheDir = dir.path) => new SignatureChecker({ registry: client, policies, cacheDir });
  const sign = async (tag: string, ...layers: SignatureLayer[]) => pushSignatures(registry.url, repo, digests.get(tag)!, layers);

  before(async () => {
    registry = await startRegistry();
    digests = await seedTags(
      registry.url,
      repo,
      ['key-signed', 'unsigned', 'stranger-signed', 'other-image', 'tampered-sig', 'keyless', 'keyless-foreign-ca', 'keyless-bad-set', 'two-sigs'].map((tag) => ({ tag })),
    );
    client = testClient([registry.host]);
    const digest = (tag: string) => digests.get(tag)!;
    await sign('key-signed', keySignature(ci.privateKey, `${registry.host}/${repo}`, digest('key-signed')));
    await sign('stranger-signed', keySignature(stranger.privateKey, `${registry.host}/${repo}`, digest('stranger-signed')));
    // A valid signature, but of another image: copying it next to this one proves nothing.
    await sign('other-image', keySignature(ci.privateKey, `${registry.host}/${repo}`, digest('key-signed')));
    const tampered = keySignature(ci.privateKey, `${registry.host}/${repo}`, digest('tampered-sig'));
    const bytes = Buffer.from(tampered.annotations['dev.cosignproject.cosign/signature']!, 'base64');
    bytes[bytes.length - 1]! ^= 0xff;
    await sign('tampered-sig', { ...tampered, annotations: { 'dev.cosignproject.cosign/signature': bytes.toString('base64') } });
    await sign('keyless', sigstore.sign(`${registry.host}/${repo}`, digest('keyless'), { san: IDENTITY, issuer: ISSUER }));
    await sign('keyless-foreign-ca', otherSigstore.sign(`${registry.host}/${repo}`, digest('keyless-foreign-ca'), { san: IDENTITY, issuer: ISSUER }));
    await sign('keyless-bad-set', sigstore.sign(`${registry.host}/${repo}`, digest('keyless-bad-set'), { san: IDENTITY, issuer: ISSUER }, { set: true }));
    await sign('two-sigs', keySignature(stranger.privateKey, `${registry.host}/${repo}`, digest('two-sigs')), keySignature(ci.privateKey, `${registry.host}/${repo}`, digest('two-sigs')));
  });

  after(async () => {
    await client.close();
    await registry.stop();
    sigstore.cleanup();
    otherSigstore.cleanup();
    dir.remove();
  });

  const cases: [string, string, string, RegExp][] = [
    ["a signature by the policy's key", 'key-signed', 'ci-key', /^valid/],
    ['no signature at all', 'unsigned', 'ci-key', /^unsigned: no cosign signature/],
    ['a signature by another key', 'stranger-signed', 'ci-key', /^bad-signature: .*SIGNATURE_ERROR/],
    ['a valid signature copied from another image', 'other-image', 'ci-key', /^bad-signature: .*payload signs sha256:/],
    ['a signature with a flipped byte', 'tampered-sig', 'ci-key', /^bad-signature: .*SIGNATURE_ERROR/],
    ['one bad and one good signature: the good one counts', 'two-sigs', 'ci-key', /^valid/],
    ['keyless: certificate identity and issuer as the policy names them', 'keyless', 'release', /^valid/],
    ['keyless: identity matched by a regular expression', 'keyless', 'any-acme', /^valid/],
    ['keyless: another identity', 'keyless', 'other-org', /^bad-signature: .*identity|SAN|subject/i],
    ['keyless: another issuer', 'keyless', 'gitlab', /^bad-signature: .*issuer|extension/i],
    ['keyless: a certificate from a CA the root does not trust', 'keyless-foreign-ca', 'release', /^bad-signature: .*CERTIFICATE_ERROR/],
    ['keyless: a log entry whose signed timestamp was tampered with', 'keyless-bad-set', 'release', /^bad-signature: .*TLOG_INCLUSION_PROMISE_ERROR/],
    ['keyless policy, key-based signature', 'key-signed', 'release', /^bad-signature: .*certificate/i],
  ];
  for (const [name, tag, policy, expected] of cases) {
    test(name, async () => {
      const verdict = await checker().check(image(), tag, policy);
      assert.match(`${verdict.status}: ${verdict.detail ?? ''}`, expected);
    });
  }

  test('a passed check is kept on disk per digest: a new process asks the registry for the digest only', async () => {
    const cacheDir = tempDir('signature-cache');
    await checker(cacheDir.path).check(image(), 'keyless', 'release');
    const fresh = testClient([registry.host]);
    const verdict = await new SignatureChecker({ registry: fresh, policies, cacheDir: cacheDir.path }).check(image(), 'keyless', 'release');
    assert.equal(verdict.status, 'valid');
    assert.deepEqual(fresh.stats().byKind, { manifest: 1 }, "one HEAD for the tag's digest, no signature manifest or blob");
    await fresh.close();
    cacheDir.remove();
  });

  test('a missing signature is asked about again later, so one pushed after the image counts', async () => {
    const clock = { now: 0 };
    const fresh = testClient([registry.host]);
    const check = new SignatureChecker({ registry: fresh, policies, now: () => clock.now });
    const late = (await seedTags(registry.url, repo, [{ tag: 'signed-late' }])).get('signed-late')!;
    assert.equal((await check.check(image(), 'signed-late', 'ci-key')).status, 'unsigned');
    await pushSignatures(registry.url, repo, late, [keySignature(ci.privateKey, `${registry.host}/${repo}`, late)]);
    assert.equal((await check.check(image(), 'signed-late', 'ci-key')).status, 'unsigned', 'within 5 minutes the answer is reused');
    clock.now = 5 * 60_000;
    assert.equal((await check.check(image(), 'signed-late', 'ci-key')).status, 'valid');
    await fresh.close();
  });

  test('a policy the config does not have is an error with a code, not a verdict', async () => {
    await assert.rejects(checker().check(image(), 'key-signed', 'nope'), { code: 'signature-policy-unknown' });
  });
});
