import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig, readSecret } from '../../src/config/load.ts';

const minimal = 'git:\n  url: https://git.example.com/fleet.git\n';

test('a minimal config gets the documented defaults', () => {
  const config = parseConfig(minimal, 'tagpilot.yaml', {});
  assert.equal(config.git.branch, 'main');
  assert.deepEqual(config.git.paths, ['.']);
  assert.equal(config.interval, 5 * 60_000);
  assert.deepEqual(config.registries, []);
  assert.match(config.cacheDir, /\.cache\/tagpilot$/);
});

test('the example config under config/ is valid', () => {
  const config = parseConfig(readFileSync('config/tagpilot.example.yaml', 'utf8'), 'config/tagpilot.example.yaml', {});
  assert.equal(config.registries[0]?.insecure, true);
});

const invalid: [string, string, RegExp][] = [
  ['a missing git section', 'interval: 5m\n', /git: .*(required|expected object)/i],
  ['a git URL that is not http(s)', 'git:\n  url: ftp://x/y\n', /git\.url: must be an http\(s\):\/\/, ssh:\/\/ or user@host:path URL$/],
  ['a duration that is not one', `${minimal}interval: soon\n`, /interval: "soon" is not a duration/],
  ['an unknown field', `${minimal}intervall: 5m\n`, /intervall/],
  ['a secret written inline', `${minimal}  auth:\n    password: hunter2\n`, /git\.auth\.password/],
  ['a registry host with a scheme', `${minimal}registries:\n  - host: http://reg\n`, /registries\.0\.host: must be a host or host:port/],
  ['YAML that does not parse', 'git: [\n', /not valid YAML/],
];
for (const [what, text, message] of invalid) {
  test(`${what} is refused with an error that names the file and field`, () => {
    assert.throws(() => parseConfig(text, 'my.yaml', {}), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^my\.yaml: /);
      assert.match(error.message, message);
      return true;
    });
  });
}

test('a secret from an unset variable names the variable, not a value', async () => {
  await assert.rejects(readSecret({ env: 'NOPE_TOKEN' }, 'git.auth.password', {}), /git\.auth\.password: environment variable NOPE_TOKEN is not set/);
});

test('the example in docs/config.md is a valid config', () => {
  const doc = readFileSync('docs/config.md', 'utf8');
  const example = doc.match(/```yaml config-example\n([\s\S]*?)```/)?.[1];
  assert.ok(example, 'docs/config.md has a config-example block');
  assert.equal(parseConfig(example, 'docs/config.md', {}).git.paths.length, 2);
});
