import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';

const base = 'git:\n  url: https://git.example.com/fleet.git\n';

test('registryDeadline defaults to 60 s and is read as milliseconds', () => {
  assert.equal(parseConfig(base, 'c.yaml', {}).registryDeadline, 60_000);
  assert.equal(parseConfig(`${base}registryDeadline: 45s\n`, 'c.yaml', {}).registryDeadline, 45_000);
});

test('per-registry listing bounds are read: maxPages, listTimeout in milliseconds', () => {
  const config = parseConfig(`${base}registries:\n  - { host: ghcr.io, maxPages: 50, listTimeout: 2m, maxTags: 500 }\n`, 'c.yaml', {});
  assert.partialDeepStrictEqual(config.registries[0], { maxPages: 50, listTimeout: 120_000, maxTags: 500 });
});

const refused: [string, string, RegExp][] = [
  ['a registry deadline under a second', 'registryDeadline: 500ms\n', /registryDeadline: must be between 1s and 60m/],
  ['a registry deadline over an hour', 'registryDeadline: 2h\n', /registryDeadline: must be between 1s and 60m/],
  ['a list timeout a timer cannot hold', 'registries:\n  - { host: ghcr.io, listTimeout: 30d }\n', /registries\.0\.listTimeout: must be between 1s and 60m/],
  ['zero pages', 'registries:\n  - { host: ghcr.io, maxPages: 0 }\n', /registries\.0\.maxPages/],
];
for (const [name, yaml, error] of refused) {
  test(`refused: ${name}`, () => assert.throws(() => parseConfig(`${base}${yaml}`, 'c.yaml', {}), error));
}
