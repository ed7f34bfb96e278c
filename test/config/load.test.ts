import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig, readSecret, suggestKey } from '../../src/config/load.ts';

const minimal = 'git:\n  url: https://git.example.com/fleet.git\n';

test('a minimal config gets the documented defaults', () => {
  const config = parseConfig(minimal, 'tagpilot.yaml', {});
  assert.equal(config.automations[0]!.git.branch, 'main');
  assert.deepEqual(config.automations[0]!.git.paths, ['.']);
  assert.equal(config.interval, 5 * 60_000);
  assert.deepEqual(config.registries, []);
  assert.match(config.cacheDir, /\.cache\/tagpilot$/);
});

test('the example config under config/ is valid', () => {
  const config = parseConfig(readFileSync('config/tagpilot.example.yaml', 'utf8'), 'config/tagpilot.example.yaml', {});
  assert.equal(config.registries[0]?.insecure, true);
});

const invalid: [string, string, RegExp][] = [
  ['a missing git section', 'interval: 5m\n', /git: give either git \(one automation\) or automations/],
  ['a git URL that is not http(s)', 'git:\n  url: ftp://x/y\n', /git\.url: must be an http\(s\):\/\/, ssh:\/\/ or user@host:path URL$/],
  ['a duration that is not one', `${minimal}interval: soon\n`, /interval: "soon" is not a duration/],
  ['an unknown field', `${minimal}intervall: 5m\n`, /intervall/],
  ['a secret written inline', `${minimal}  auth:\n    password: hunter2\n`, /git\.auth\.password/],
  ['a registry host with a scheme', `${minimal}registries:\n  - host: http://reg\n`, /registries\.0\.host: must be a host or host:port/],
  ['YAML that does not parse', 'git: [\n', /not valid YAML/],
  ['openpgp signing without a key', `${minimal}  signing: { format: openpgp }\n`, /git\.signing\.key: openpgp signing needs key/],
  ['ssh signing without a key over https (no deploy key)', `${minimal}  signing: { format: ssh }\n`, /git\.signing\.key: ssh signing needs key, or an SSH URL/],
  ['a signing format git does not know', `${minimal}  signing: { format: x509, key: { env: K } }\n`, /git\.signing\.format/],
  ['an interval of 1ms (a hot loop)', `${minimal}interval: 1ms\n`, /interval: must be between 1s and 1d/],
  ['an interval past what a timer can take', `${minimal}interval: 30d\n`, /interval: must be between 1s and 1d/],
  ['an idle timeout of 1ms', `${minimal}  timeouts: { idle: 1ms }\n`, /git\.timeouts\.idle: must be between 100ms and 10m/],
  ['a connect timeout of a week', `${minimal}  timeouts: { connect: 1w }\n`, /git\.timeouts\.connect: must be between/],
  ['a token in the git URL', 'git:\n  url: https://bot:s3cret-token@git.example.com/fleet.git\n', /git\.url: must not hold credentials: put the user in git\.auth\.username/],
  ['a token as the user of the git URL', 'git:\n  url: https://ghp_s3cret@github.com/o/fleet.git\n', /git\.url: must not hold credentials/],
  ['a password in an ssh URL', 'git:\n  url: ssh://git:s3cret@git.example.com/fleet.git\n  ssh: { privateKey: { file: k }, knownHosts: { file: kh } }\n', /git\.url: must not hold credentials/],
  ['a token over plain http', 'git:\n  url: http://git.internal/fleet.git\n  auth: { password: { env: T } }\n', /git\.auth: a password over plain http:\/\/ can be read on the network: use https:\/\/, or set git\.insecure: true/],
  ['a path that leaves the repository', `${minimal}  paths: [apps, ../other]\n`, /git\.paths\.1: must be a path inside the repository/],
  ['an absolute path', `${minimal}  paths: [/etc]\n`, /git\.paths\.0: must be a path inside the repository/],
  ['a path that climbs out after going in', `${minimal}  paths: [apps/../../x]\n`, /git\.paths\.0: must be a path inside the repository/],
  ['the root as cache directory', `${minimal}cacheDir: /\n`, /cacheDir: "\/" is a system directory/],
  ['/etc as cache directory', `${minimal}cacheDir: /etc\n`, /cacheDir: "\/etc" is inside the system directory \/etc/],
  ['a cache inside /usr', `${minimal}cacheDir: /usr/lib/tagpilot\n`, /cacheDir: "\/usr\/lib\/tagpilot" is inside the system directory \/usr/],
  ['/proc as cache directory', `${minimal}cacheDir: /proc\n`, /system directory \/proc/],
  ['/var itself as cache directory', `${minimal}cacheDir: /var\n`, /"\/var" is a system directory/],
];
for (const [what, text, message] of invalid) {
  test(`${what} is refused with an error that names the file and field`, () => {
    assert.throws(
      () => parseConfig(text, 'my.yaml', {}),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^my\.yaml: /);
        assert.match(error.message, message);
        return true;
      },
    );
  });
}

test('a secret from an unset variable names the variable, not a value', async () => {
  await assert.rejects(readSecret({ env: 'NOPE_TOKEN' }, 'git.auth.password', {}), /git\.auth\.password: environment variable NOPE_TOKEN is not set/);
});

test('the example in docs/config.md is a valid config', () => {
  const doc = readFileSync('docs/config.md', 'utf8');
  const example = doc.match(/```yaml config-example\n([\s\S]*?)```/)?.[1];
  assert.ok(example, 'docs/config.md has a config-example block');
  assert.equal(parseConfig(example, 'docs/config.md', {}).automations[0]!.git.paths.length, 2);
});

/** A mistyped key is named with the key it most likely meant, at every depth of the config. */
const TYPOS: [string, string, string][] = [
  ['a top-level key', `${minimal}intervall: 5m\n`, '(top level): unknown key "intervall" (did you mean "interval"?)'],
  ['a key that contains the right one', `${minimal}namedPolicies: {}\n`, '(top level): unknown key "namedPolicies" (did you mean "policies"?)'],
  ['a git key', `${minimal}  brnch: main\n`, 'git: unknown key "brnch" (did you mean "branch"?)'],
  ['a key under an optional section', `${minimal}  auth:\n    usrname: bot\n    password: { env: T }\n`, 'git.auth: unknown key "usrname" (did you mean "username"?)'],
  ['a key in a list item', `${minimal}registries:\n  - { host: reg, insecur: true }\n`, 'registries.0: unknown key "insecur" (did you mean "insecure"?)'],
  ['a key in a map value', `${minimal}policies:\n  ns:web: { policy: minor, imag: x }\n`, 'policies.ns:web: unknown key "imag" (did you mean "image"?)'],
  ['a key like none', `${minimal}colour: blue\n`, '(top level): unknown key "colour"'],
];
for (const [what, text, line] of TYPOS) {
  test(`an unknown config key is named with a suggestion: ${what}`, () => {
    assert.throws(
      () => parseConfig(text, 'my.yaml', {}),
      (error: Error) => error.message.split('\n').includes(`  ${line}`),
    );
  });
}

test('suggestKey offers nothing for a key far from every known one', () => {
  assert.equal(suggestKey('zzz', ['git', 'registries', 'policies']), undefined);
  assert.equal(suggestKey('Interval', ['interval']), 'interval');
});

test('a config error carries the stable code config-invalid', () => {
  assert.throws(
    () => parseConfig('interval: 5m\n', 'my.yaml', {}),
    (error: Error) => error instanceof ConfigError && error.code === 'config-invalid',
  );
});

test('the named-policies example in docs/markers.md is valid config under the key the schema has', () => {
  const doc = readFileSync('docs/markers.md', 'utf8');
  const example = doc.match(/```yaml config-policies\n([\s\S]*?)```/)?.[1];
  assert.ok(example, 'docs/markers.md has a config-policies block');
  const config = parseConfig(`${minimal}${example}`, 'docs/markers.md', {});
  assert.deepEqual(Object.keys(config.policies), ['flux-system:frontend', 'flux-system:podinfo']);
  assert.doesNotMatch(doc, /namedPolicies/);
});

test('no credential appears in the error for a git URL that holds one', () => {
  assert.throws(
    () => parseConfig('git:\n  url: https://bot:s3cret-token@git.example.com/fleet.git\n', 'my.yaml', {}),
    (error: Error) => !error.message.includes('s3cret'),
  );
});

test('a token over plain http is accepted with git.insecure: true, for a trusted network', () => {
  const config = parseConfig('git:\n  url: http://git.internal/fleet.git\n  insecure: true\n  auth: { password: { env: T } }\n', 'my.yaml', {});
  assert.equal(config.automations[0]!.git.insecure, true);
});

test('a user name alone in an ssh URL is not a credential', () => {
  const config = parseConfig('git:\n  url: ssh://git@git.example.com/fleet.git\n  ssh: { privateKey: { file: k }, knownHosts: { file: kh } }\n', 'my.yaml', {});
  assert.equal(config.automations[0]!.git.url, 'ssh://git@git.example.com/fleet.git');
});

test('$TAGPILOT_CACHE_DIR pointing at a system directory is refused, naming the variable', () => {
  assert.throws(() => parseConfig(minimal, 'my.yaml', { TAGPILOT_CACHE_DIR: '/sys' }), /\$TAGPILOT_CACHE_DIR: "\/sys" is inside the system directory \/sys/);
});

test('a cache directory of its own under /var/cache, /tmp or home is accepted', () => {
  for (const dir of ['/var/cache/tagpilot', '/tmp/tagpilot-cache', '/home/bot/.cache/tagpilot']) {
    assert.equal(parseConfig(`${minimal}cacheDir: ${dir}\n`, 'my.yaml', {}).cacheDir, dir);
  }
});

test('interval and timeouts at their bounds are accepted', () => {
  const config = parseConfig(`${minimal}  timeouts: { connect: 100ms, idle: 10m }\ninterval: 1s\n`, 'my.yaml', {});
  assert.deepEqual([config.interval, config.automations[0]!.git.timeouts], [1_000, { connect: 100, idle: 600_000, operation: 120_000 }]);
  assert.equal(parseConfig(`${minimal}interval: 1d\n`, 'my.yaml', {}).interval, 86_400_000);
});

test('git.maxFileSize and git.maxCycleSize take sizes in bytes or KiB/MiB/GiB, within bounds', () => {
  const config = parseConfig(`${minimal}  maxFileSize: 512KiB\n  maxCycleSize: 128MiB\n`, 'my.yaml', {});
  assert.deepEqual([config.automations[0]!.git.maxFileSize, config.automations[0]!.git.maxCycleSize], [512 * 1024, 128 * 1024 * 1024]);
  assert.equal(parseConfig(`${minimal}  maxFileSize: 300000\n`, 'my.yaml', {}).automations[0]!.git.maxFileSize, 300_000);
  assert.throws(() => parseConfig(`${minimal}  maxFileSize: 10\n`, 'my.yaml', {}), /git\.maxFileSize: 10 is outside the allowed range of 1KiB to 64MiB/);
  assert.throws(() => parseConfig(`${minimal}  maxCycleSize: 10GiB\n`, 'my.yaml', {}), /git\.maxCycleSize: "10GiB" is outside the allowed range of 1MiB to 4GiB/);
  assert.throws(() => parseConfig(`${minimal}  maxFileSize: lots\n`, 'my.yaml', {}), /git\.maxFileSize: "lots" is not a size/);
});

test('the operation timeout is bounded too: 1s to 60m', () => {
  assert.throws(() => parseConfig(`${minimal}  timeouts: { operation: 30d }\n`, 'my.yaml', {}), /git\.timeouts\.operation: must be between 1s and 60m/);
});
