import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.ts';

const blocks = (file: string) => [...readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

test('docs/signatures.md: the configuration example is a valid config with the policies it describes', () => {
  const [yaml] = blocks('signatures.md');
  const config = parseConfig(yaml!, 'docs/signatures.md');
  assert.deepEqual(Object.keys(config.signatures?.policies ?? {}), ['ci-key', 'release', 'acme-any']);
  assert.deepEqual(config.signatures?.rules, [{ image: 'ghcr.io/acme/*', policy: 'release' }]);
});

test('docs/registries.md: every cloud example is a valid config', () => {
  const configs = blocks('registries.md')
    .slice(1)
    .map((yaml) => parseConfig(yaml, 'docs/registries.md'));
  assert.deepEqual(
    configs.map((c) => c.registries.map((r) => (r.auth !== undefined && 'cloud' in r.auth ? r.auth.cloud : r.host))),
    [
      ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'ecr', 'ecr-public'],
      ['europe-west1-docker.pkg.dev', 'gcp'],
      ['acmeprod.azurecr.io', 'acr'],
    ],
  );
});

test('a rule naming a missing policy, and a keyless policy with two identities, are refused', () => {
  const git = 'git: { url: https://g/x.git }\n';
  assert.throws(() => parseConfig(`${git}signatures: { policies: {}, rules: [{ image: "x/*", policy: nope }] }\n`, 'c.yml'), /signatures\.rules\.0\.policy: no signature policy "nope"/);
  assert.throws(() => parseConfig(`${git}signatures: { policies: { a: { keyless: { issuer: "https://i.example", identity: x, identityRegexp: y } } } }\n`, 'c.yml'), /exactly one of identity and identityRegexp/);
});
