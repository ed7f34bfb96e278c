import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What a light invocation loads. Start-up time itself is measured in bench/startup.bench.ts; here
 * its cause is pinned: `--help` and `policy test` must not pull in the registry, Git, manifest or
 * config layers, nor their libraries.
 */
const root = join(import.meta.dirname, '../..');
const HEAVY = [/\/src\/(registry|git|manifests|automation|config)\//, /\/node_modules\/(zod|yaml|pino|pino-pretty|isomorphic-git|undici|ssh2)\//];

/** Runs `tagpilot ARGS` in a child process; returns the URLs of the modules it loaded. */
function loadedBy(args: string[], status: number, stdin = ''): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-loads-'));
  try {
    const file = join(dir, 'loaded.json');
    const result = spawnSync(process.execPath, ['--import', './test/harness/record-loads.ts', 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, LOADED_FILE: file }, input: stdin });
    assert.equal(result.status, status, result.stderr.toString());
    return JSON.parse(readFileSync(file, 'utf8')) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const heavy = (loaded: string[]) => loaded.filter((url) => HEAVY.some((pattern) => pattern.test(url)));

const LIGHT: [string, string[], string][] = [
  ['--help', ['--help'], ''],
  ['plan --help', ['plan', '--help'], ''],
  ['policy test', ['policy', 'test', 'semver:^1', '--current', '1.0.0', '--tags-from', '-'], '1.0.0\n1.1.0\n'],
];

for (const [name, args, stdin] of LIGHT) {
  test(`tagpilot ${name} loads none of the heavy layers or libraries`, () => {
    const loaded = loadedBy(args, 0, stdin);
    assert.ok(
      loaded.some((url) => url.endsWith('/src/cli/main.ts')),
      'the recorder saw the CLI load',
    );
    assert.deepEqual(heavy(loaded), []);
  });
}

test('tagpilot plan loads the layers it needs when it runs (the recorder sees them)', () => {
  assert.notDeepEqual(heavy(loadedBy(['plan', '--config', '/nonexistent/tagpilot.yaml'], 2)), []);
});

/** What `tagpilot ARGS --config <an HTTP remote where nothing listens>` loads: the cycle fails at the fetch, after the transport was made. */
function loadedByCycle(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-loads-'));
  try {
    const config = join(dir, 'tagpilot.yaml');
    writeFileSync(config, `git:\n  url: http://127.0.0.1:9/fleet.git\n  author: { name: bot, email: bot@example.com }\ncacheDir: ${join(dir, 'cache')}\n`);
    return loadedBy([...args, '--config', config], 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const args of [['plan'], ['run', '--once']]) {
  test(`tagpilot ${args.join(' ')} without a review flow never loads the hosting layer (pull requests)`, () => {
    const loaded = loadedByCycle(args);
    assert.ok(
      loaded.some((url) => url.includes('/src/git/')),
      'the Git layer ran',
    );
    assert.deepEqual(
      loaded.filter((url) => /\/src\/hosting\/|\/node_modules\/@octokit\//.test(url)),
      [],
    );
  });
}

test('tagpilot plan with an HTTP remote never loads the SSH library', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-loads-'));
  try {
    // Nothing listens on port 9: the cycle fails at the fetch, after the transport was made.
    const config = join(dir, 'tagpilot.yaml');
    writeFileSync(config, `git:\n  url: http://127.0.0.1:9/fleet.git\n  author: { name: bot, email: bot@example.com }\ncacheDir: ${join(dir, 'cache')}\n`);
    const loaded = loadedBy(['plan', '--config', config], 1);
    assert.ok(
      loaded.some((url) => url.includes('/src/git/')),
      'the Git layer ran',
    );
    assert.deepEqual(
      loaded.filter((url) => /\/node_modules\/(ssh2|tweetnacl|bcrypt-pbkdf)\//.test(url)),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
