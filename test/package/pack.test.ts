/**
 * The package as a user gets it: `npm pack` (whose `prepack` builds dist/), the tarball installed
 * into an empty folder from the npm registry alone, then `npx tagpilot` there: its help, and the
 * demo's `plan` against a real registry and Git server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import semver from 'semver';
import { startDemoFleet, type DemoFleet } from '../harness/demo-fleet.ts';

const ROOT = join(import.meta.dirname, '../..');
/** Not part of a checkout that `npm pack` sees: installed or built output, local state. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', '.cache']);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs npm or npx with this test's Node first on PATH (a user's Node >= 22.18), without the
 * npm_* variables of the `npm test` around us (they would point npm at this checkout).
 */
function npm(program: 'npm' | 'npx', args: string[], cwd: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'warn' };
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith('npm_') || ['npm_config_cache', 'npm_config_userconfig', 'npm_config_registry'].includes(key)) env[key] = value;
  }
  env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const work = mkdtempSync(join(tmpdir(), 'tagpilot-package-'));
const installed = join(work, 'installed');
let files: string[] = [];
let fleet: DemoFleet | undefined;

/** Packing builds dist/ and installing reads the npm registry: minutes on a loaded machine, so past the suite's 180 s default. */
const SLOW = { timeout: 900_000 };

before(async () => {
  // Pack a copy, so that prepack's fresh dist/ never replaces the checkout's own.
  const checkout = join(work, 'checkout');
  cpSync(ROOT, checkout, { recursive: true, filter: (path) => path === ROOT || !NOT_COPIED.has(basename(path)) });
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  const [pack, started] = await Promise.all([npm('npm', ['pack', '--json', '--pack-destination', work], checkout), startDemoFleet()]);
  fleet = started;
  assert.equal(pack.status, 0, pack.stderr);
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  files = packed!.files.map((f) => f.path);

  mkdirSync(installed);
  writeFileSync(join(installed, 'package.json'), '{ "private": true }\n');
  const install = await npm('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed!.filename)], installed);
  assert.equal(install.status, 0, install.stderr);
}, SLOW);

after(async () => {
  await fleet?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('package: ships bin/, the built dist/, docs and the example config; no sources or tests', () => {
  for (const path of ['bin/tagpilot.js', 'dist/cli/main.js', 'docs/config.md', 'config/tagpilot.example.yaml', 'package.json']) assert.ok(files.includes(path), `${path} is packed`);
  assert.deepEqual(
    files.filter((path) => /^(src|test|scripts|bench)\//.test(path) || path.endsWith('.ts')),
    [],
  );
});

test('package: every dependency is a version range, so the npm registry alone installs it', () => {
  const manifest = JSON.parse(readFileSync(join(installed, 'node_modules/tagpilot/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const notRanges = Object.entries(manifest.dependencies).filter(([, spec]) => semver.validRange(spec) === null);
  assert.deepEqual(notRanges, []);
});

test('package: installed, `npx tagpilot --help` prints the usage', SLOW, async () => {
  const result = await npm('npx', ['--no', '--', 'tagpilot', '--help'], installed);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^Usage: tagpilot <command>/);
});

test("package: installed, `npx tagpilot plan` with the demo's config shows the demo's two changes", SLOW, async () => {
  const result = await npm('npx', ['--no', '--', 'tagpilot', 'plan', '--config', fleet!.config], installed);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /shop:deployment\/web .* 1\.0\.0 → 1\.2\.0 /);
  assert.match(result.stdout, /default:statefulset\/queue .* 2\.3\.0 → 2\.3\.4 /);
});
