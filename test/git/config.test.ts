import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { wire } from '../../src/cli/wire.ts';

const parse = (git: string) => parseConfig(`git:\n${git}`, 'tagpilot.yaml', {}).automations[0]!;

test('an https remote takes a token and a CA file', () => {
  const config = parse('  url: https://git.example.com/fleet.git\n  auth: { password: { env: GIT_TOKEN } }\n  caFile: ca.pem\n');
  assert.equal(config.git.auth?.username, 'x-access-token');
  assert.equal(config.git.caFile, 'ca.pem');
});

test('an SSH remote in either form takes a deploy key and known_hosts', () => {
  for (const url of ['ssh://git@git.example.com:2222/fleet.git', 'git@github.com:org/fleet.git']) {
    const config = parse(`  url: ${url}\n  ssh: { privateKey: { file: /keys/deploy }, knownHosts: { file: /keys/known_hosts } }\n`);
    assert.equal(config.git.url, url);
  }
});

test('an SSH remote without a deploy key is refused', () => {
  assert.throws(
    () => parse('  url: git@github.com:org/fleet.git\n'),
    (e: Error) => e instanceof ConfigError && /git\.ssh: an SSH URL needs ssh\.privateKey and ssh\.knownHosts/.test(e.message),
  );
});

test('SSH settings on an https remote are refused', () => {
  assert.throws(() => parse('  url: https://h/f.git\n  ssh: { privateKey: { file: k }, knownHosts: { file: kh } }\n'), /ssh settings given for an https URL/);
});

test('timeouts, push attempts and the push branch have defaults and can be set', () => {
  assert.deepEqual(parse('  url: https://h/f.git\n').git.timeouts, { connect: 10_000, idle: 60_000, operation: 120_000 });
  const config = parse('  url: https://h/f.git\n  pushBranch: tagpilot/updates\n  pushAttempts: 3\n  timeouts: { connect: 5s, idle: 2m, operation: 5m }\n');
  assert.deepEqual([config.git.pushBranch, config.git.pushAttempts, config.git.timeouts], ['tagpilot/updates', 3, { connect: 5_000, idle: 120_000, operation: 300_000 }]);
});

test('the limits on what a Git server may send have defaults sized for manifest repos and can be raised', () => {
  const MiB = 2 ** 20;
  assert.deepEqual(parse('  url: https://h/f.git\n').git.limits, { packBytes: 64 * MiB, objectBytes: 16 * MiB, unpackedBytes: 256 * MiB, advertisementBytes: 8 * MiB });
  const config = parse(`  url: https://h/f.git\n  limits: { packBytes: ${512 * MiB}, objectBytes: ${100 * MiB} }\n`);
  assert.deepEqual(config.git.limits, { packBytes: 512 * MiB, objectBytes: 100 * MiB, unpackedBytes: 256 * MiB, advertisementBytes: 8 * MiB });
  assert.throws(() => parse('  url: https://h/f.git\n  limits: { packBytes: 10 }\n'), /git\.limits\.packBytes/);
  assert.throws(() => parse('  url: https://h/f.git\n  limits: { deltaDepth: 9000 }\n'), /deltaDepth/);
});

test('the git limits example in docs/config.md is a valid config with those limits', () => {
  const example = readFileSync('docs/config.md', 'utf8').match(/```yaml git-limits-example\n([\s\S]*?)```/)?.[1];
  assert.ok(example, 'docs/config.md has a git-limits-example block');
  assert.deepEqual(parseConfig(example, 'docs/config.md', {}).automations[0]!.git.limits, { packBytes: 256 * 2 ** 20, objectBytes: 64 * 2 ** 20, unpackedBytes: 2 ** 30, advertisementBytes: 8 * 2 ** 20 });
});

test('the message template defaults to an informative subject and change line', () => {
  assert.deepEqual(parse('  url: https://h/f.git\n').git.message, { subject: 'tagpilot: {summary}', change: '- {file}:{line} {target}: {image} {from} → {to} ({policy})' });
});

/** Wires a config written into a temporary directory, with `files` beside it. */
async function wireConfig(config: string, files: Record<string, string> = {}): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-config-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'tagpilot.yaml'), config);
    return await wire(join(dir, 'tagpilot.yaml'), { out: process.stdout, err: process.stderr, in: process.stdin, cwd: dir, env: {} });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a message template with an unknown placeholder is a configuration error at startup', async () => {
  await assert.rejects(wireConfig('git:\n  url: https://h/f.git\n  message: { subject: "bump {sumary}" }\n'), (e: Error) => e instanceof ConfigError && /git\.message: subject: unknown placeholder \{sumary\}/.test(e.message));
});

test('a deploy key that is not a key is a configuration error, without its contents', async () => {
  const config = 'git:\n  url: git@git.example.com:org/fleet.git\n  ssh: { privateKey: { file: key }, knownHosts: { file: known_hosts } }\n';
  await assert.rejects(wireConfig(config, { key: 'SECRET-not-a-key', known_hosts: '' }), (e: Error) => e instanceof ConfigError && /git: the SSH deploy key cannot be used/.test(e.message) && !e.message.includes('SECRET'));
});
