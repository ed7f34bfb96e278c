import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tagpilot.js');

/** Each fake entry answers with its own name and exits with the code the arguments ask for. */
const FAKE_SOURCES = "export async function main(argv: string[], io: { out: NodeJS.WritableStream }): Promise<number> { io.out.write('sources'); return Number(argv[0]); }\n";
const FAKE_BUILD = "export async function main(argv, io) { io.out.write('dist'); return Number(argv[0]); }\n";

/** A package folder holding bin/tagpilot.js and, as asked, fake src/ and dist/ entries. */
function tree(has: { sources: boolean; build: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-bin-'));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  put('package.json', '{ "type": "module" }\n');
  mkdirSync(join(dir, 'bin'));
  copyFileSync(BIN, join(dir, 'bin/tagpilot.js'));
  if (has.sources) put('src/cli/main.ts', FAKE_SOURCES);
  if (has.build) put('dist/cli/main.js', FAKE_BUILD);
  return dir;
}

const CASES: { name: string; sources: boolean; build: boolean; strips: boolean; runs: string }[] = [
  { name: 'a checkout runs its sources, even with a build beside them', sources: true, build: true, strips: true, runs: 'sources' },
  { name: 'a checkout without a build runs its sources', sources: true, build: false, strips: true, runs: 'sources' },
  { name: 'the installed package (no sources) runs dist/', sources: false, build: true, strips: true, runs: 'dist' },
  { name: 'a Node that cannot strip types runs the build', sources: true, build: true, strips: false, runs: 'dist' },
];
for (const c of CASES) {
  test(`bin: ${c.name}, and exits with its code`, () => {
    const dir = tree(c);
    try {
      const flags = c.strips ? [] : ['--no-experimental-strip-types'];
      const result = spawnSync(process.execPath, [...flags, join(dir, 'bin/tagpilot.js'), '3'], { encoding: 'utf8' });
      assert.deepEqual([result.status, result.stdout, result.stderr], [3, c.runs, '']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('bin: sources on a Node that cannot strip types, and no build, say what to do', () => {
  const dir = tree({ sources: true, build: false });
  try {
    const result = spawnSync(process.execPath, ['--no-experimental-strip-types', join(dir, 'bin/tagpilot.js')], { encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^tagpilot: this checkout runs from its TypeScript sources, which needs Node >= 22\.18 \(this is v[\d.]+\)\.\n {2}Run it as `npx tagpilot` \(Node 24 from npm ci\), or build it first: npm run build\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bin: a package without dist/ says so', () => {
  const dir = tree({ sources: false, build: false });
  try {
    const result = spawnSync(process.execPath, [join(dir, 'bin/tagpilot.js')], { encoding: 'utf8' });
    assert.deepEqual([result.status, result.stderr], [1, 'tagpilot: dist/ is missing from this package: reinstall it.\n']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bin: in this checkout `tagpilot --help` runs, with no build needed', () => {
  const result = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^Usage: tagpilot /);
});
