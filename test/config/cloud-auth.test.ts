import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/config/load.ts';

const config = (auth: string) => `git: { url: https://git.example.com/fleet.git }\nregistries:\n  - host: registry.example.com\n    auth: ${auth}\n`;

test('cloud auth per registry is read as written', () => {
  const cases: [string, object][] = [
    ['{ cloud: ecr }', { cloud: 'ecr' }],
    ['{ cloud: ecr, region: eu-west-1, registryId: "123456789012" }', { cloud: 'ecr', region: 'eu-west-1', registryId: '123456789012' }],
    ['{ cloud: ecr-public }', { cloud: 'ecr-public' }],
    ['{ cloud: gcp, credentialsFile: /var/run/secrets/gcp/key.json }', { cloud: 'gcp', credentialsFile: '/var/run/secrets/gcp/key.json' }],
    ['{ cloud: acr, tenantId: t, clientId: c }', { cloud: 'acr', tenantId: 't', clientId: 'c' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseConfig(config(text), 'c.yaml').registries[0]?.auth, expected, text);
});

test('a field of another cloud, an unknown cloud or a bad account id is refused with the field named', () => {
  for (const text of ['{ cloud: gcp, region: eu-west-1 }', '{ cloud: oracle }', '{ cloud: ecr, registryId: "12" }', '{ cloud: ecr, region: Europe }']) {
    assert.throws(
      () => parseConfig(config(text), 'c.yaml'),
      (error: Error) => error instanceof ConfigError && /registries\.0\.auth/.test(error.message),
      text,
    );
  }
});
