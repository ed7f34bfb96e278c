import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import parsePrometheus from 'parse-prometheus-text-format';
import { join } from 'node:path';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { runCli } from '../harness/cli.ts';
import { startController } from '../harness/controller.ts';
import { deployment as withAnnotations } from '../harness/manifests.ts';
import { cosignKey, keySignature, pushSignatures, TestSigstore } from '../harness/cosign.ts';

const deployment = (name: string, image: string, annotations: Record<string, string>) => withAnnotations(name, image, annotations, 'app');
const ISSUER = 'https://token.actions.githubusercontent.com';
const IDENTITY = 'https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main';

describe('signature policies through the cycle (real registry, cosign signatures made in the test)', () => {
  let stack: Stack;
  let bare: string;
  let config: string;
  let files: Record<string, string>;
  const ci = cosignKey();
  const stranger = cosignKey();
  const sigstore = new TestSigstore();

  before(async () => {
    stack = await startStack();
    const { registry, server } = stack;
    const r = registry.host;
    const api = await seedTags(registry.url, 'team/api', versionTags(['1.0.0', '1.1.0', '1.2.0', '1.3.0']));
    const signKey = async (repo: string, digests: Map<string, string>, tag: string, key = ci) => pushSignatures(registry.url, repo, digests.get(tag)!, [keySignature(key.privateKey, `${r}/${repo}`, digests.get(tag)!)]);
    await signKey('team/api', api, '1.1.0');
    await signKey('team/api', api, '1.2.0', stranger); // badly signed
    // 1.3.0 is newest but unsigned.
    const web = await seedTags(registry.url, 'acme/web', versionTags(['2.0.0', '2.1.0']));
    await pushSignatures(registry.url, 'acme/web', web.get('2.1.0')!, [sigstore.sign(`${r}/acme/web`, web.get('2.1.0')!, { san: IDENTITY, issuer: ISSUER })]);
    const none = await seedTags(registry.url, 'team/none', versionTags(['5.0.0', '5.1.0']));
    void none;
    writeFileSync(join(stack.work, 'cosign.pub'), ci.publicPem);
    writeFileSync(join(stack.work, 'trusted_root.json'), sigstore.trustedRoot());
    files = {
      'apps/api.yaml': deployment('api', `${r}/team/api:1.0.0`, { 'tagpilot.io/automated': 'true', 'tagpilot.io/tag.app': 'semver:^1', 'tagpilot.io/verify-signature.app': 'ci' }),
      'apps/web.yaml': deployment('web', `${r}/acme/web:2.0.0`, { 'tagpilot.io/automated': 'true', 'tagpilot.io/tag.app': 'semver:^2' }),
      'apps/none.yaml': deployment('none', `${r}/team/none:5.0.0`, { 'tagpilot.io/automated': 'true', 'tagpilot.io/tag.app': 'semver:^5', 'tagpilot.io/verify-signature': 'ci' }),
    };
    bare = createBareRepo(server.root, 'signed', files);
    config = stack.config(
      'signed',
      `signatures:
  policies:
    ci: { key: cosign.pub }
    release:
      keyless: { issuer: "${ISSUER}", identity: "${IDENTITY}", trustedRoot: trusted_root.json }
  rules:
    - { image: "${r}/acme/*", policy: release }
`,
    );
  });

  after(async () => {
    await stack.stop();
    sigstore.cleanup();
  });

  const image = (file: string) =>
    git(bare, 'show', `main:${file}`)
      .match(/image: (\S+)/)![1]!
      .replace(/^[^/]+\//, '');

  test('plan names the unsigned and badly signed candidates, and picks the newest signed tag', async () => {
    const result = await runCli(['plan', '--config', config]);
    assert.match(result.out, /rejected: apps\/api\.yaml:\d+ \S+: \S+\/team\/api:1\.3\.0: unsigned \(ci: no cosign signature\)/);
    assert.match(result.out, /rejected: apps\/api\.yaml:\d+ \S+: \S+\/team\/api:1\.2\.0: bad-signature \(ci: /);
    assert.match(result.out, /1\.0\.0 → 1\.1\.0/);
    const json = JSON.parse((await runCli(['plan', '--json', '--config', config])).out) as { signatureRejections: { tag: string; reason: string }[] };
    assert.deepEqual(json.signatureRejections.map((r) => `${r.tag} ${r.reason}`).sort(), ['1.2.0 bad-signature', '1.3.0 unsigned', '5.1.0 unsigned']);
  });

  test('a cycle commits only signed tags: key-based by annotation, keyless by a config rule', async () => {
    const result = await runCli(['run', '--once', '--config', config]);
    assert.ok(result.code === 0 || result.code === 1, result.err);
    assert.equal(image('apps/api.yaml'), 'team/api:1.1.0');
    assert.equal(image('apps/web.yaml'), 'acme/web:2.1.0');
    assert.equal(image('apps/none.yaml'), 'team/none:5.0.0', 'no signed candidate: the slot is left as it is');
  });

  test('the controller counts every signature check in /metrics, by policy and result', async () => {
    const { server } = stack;
    createBareRepo(server.root, 'signed-controller', files);
    // The same settings on a repository of its own, with a cache of its own and the probes on a free port.
    const text = readFileSync(config, 'utf8')
      .replace(server.repoUrl('signed'), server.repoUrl('signed-controller'))
      .replace(/^cacheDir: .*$/m, 'cacheDir: cache-controller');
    const file = join(stack.work, 'controller.yaml');
    writeFileSync(file, `${text}interval: 1s\nserver: { address: 127.0.0.1, port: 0 }\n`);
    const c = await startController(file, { LOG_LEVEL: 'debug' });
    try {
      // Two cycles: the first commits the signed tags, the second checks the candidates still refused again.
      await c.waitFor(() => c.lines.filter((l) => /^cycle: (committed|nothing to change)$/.test(String(l.msg))).length >= 2, 30_000, 'two cycles');
      const family = parsePrometheus((await c.get('/metrics')).body).find((f) => f.name === 'tagpilot_signature_verifications_total');
      assert.ok(family !== undefined, 'the counter is registered');
      const counts = Object.fromEntries(family.metrics.map((m) => [`${m.labels?.policy} ${m.labels?.result}`, Number(m.value)]));
      const at = (key: string) => counts[key] ?? 0;
      assert.ok(at('ci valid') >= 1 && at('ci bad-signature') >= 1 && at('release valid') >= 1, JSON.stringify(counts));
      assert.ok(at('ci unsigned') >= 4, `team/api:1.3.0 and team/none:5.1.0, on each cycle: ${JSON.stringify(counts)}`);
      assert.deepEqual(
        Object.keys(counts).filter((k) => !/^(ci|release) (valid|unsigned|bad-signature)$/.test(k)),
        [],
        'policies of the config, verdicts only: no check failed',
      );
    } finally {
      assert.equal(await c.stop(), 0, c.log());
    }
  });
});
