import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeManifest, isManifestPath, isUnderPaths, readRepoFiles } from '../../src/manifests/index.ts';

test('manifest paths: *.yaml, *.yml, kustomization.yaml and Kustomization, never under .git', () => {
  for (const path of ['a.yaml', 'dir/b.yml', 'k/kustomization.yaml', 'k/Kustomization', 'UPPER.YAML']) assert.ok(isManifestPath(path), path);
  for (const path of ['README.md', 'a.json', '.git/config.yaml', 'x/.git/y.yml', 'yaml']) assert.ok(!isManifestPath(path), path);
});

test('configured paths select a file itself or anything below it; "." is everything', () => {
  assert.ok(isUnderPaths('apps/web/a.yaml', ['apps']));
  assert.ok(isUnderPaths('apps/web/a.yaml', ['./apps/']));
  assert.ok(isUnderPaths('apps/web/a.yaml', ['.']));
  assert.ok(isUnderPaths('a.yaml', ['a.yaml']));
  assert.ok(!isUnderPaths('apps2/a.yaml', ['apps']));
});

test('decoding keeps a BOM and refuses binary, non-UTF-8 and oversized files', () => {
  const bom = decodeManifest('a.yaml', new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x3a, 0x20, 0x31]));
  assert.ok('file' in bom && bom.file.text === '\uFEFFa: 1');
  const binary = decodeManifest('b.yaml', new Uint8Array([0x61, 0, 0x62]));
  assert.ok('problem' in binary && /binary/.test(binary.problem.message));
  const latin1 = decodeManifest('c.yaml', new Uint8Array([0x61, 0xe9]));
  assert.ok('problem' in latin1 && /UTF-8/.test(latin1.problem.message));
  const big = decodeManifest('d.yaml', new Uint8Array(11), 10);
  assert.ok('problem' in big && /limit/.test(big.problem.message));
});

test('readRepoFiles walks the paths in order, skips .git and follows symlinks only inside the repo', async (t) => {
  const outside = mkdtempSync(join(tmpdir(), 'tagpilot-outside-'));
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-walk-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  writeFileSync(join(outside, 'secret.yaml'), 'a: 1\n');
  mkdirSync(join(dir, 'apps/web'), { recursive: true });
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git/x.yaml'), 'a: 1\n');
  writeFileSync(join(dir, 'apps/web/b.yaml'), 'b: 1\n');
  writeFileSync(join(dir, 'apps/a.yml'), 'a: 1\n');
  writeFileSync(join(dir, 'apps/notes.txt'), 'x\n');
  writeFileSync(join(dir, 'apps/big.yaml'), 'x'.repeat(1024 * 1024 + 1));
  symlinkSync(join(dir, 'apps/a.yml'), join(dir, 'apps/link.yaml'));
  symlinkSync(join(outside, 'secret.yaml'), join(dir, 'apps/escape.yaml'));
  writeFileSync(join(dir, 'top.yaml'), 't: 1\n');

  const { files, problems } = await readRepoFiles(dir, ['apps']);
  assert.deepEqual(
    files.map((f) => f.path),
    ['apps/a.yml', 'apps/link.yaml', 'apps/web/b.yaml'],
  );
  assert.deepEqual(problems.map((p) => [p.file, p.message.replace(/: .*/, '')]).sort(), [
    ['apps/big.yaml', 'skipped'],
    ['apps/escape.yaml', 'skipped'],
  ]);
  assert.match(problems.find((p) => p.file === 'apps/escape.yaml')!.message, /leaves the repository/);
  const all = await readRepoFiles(dir);
  assert.ok(all.files.some((f) => f.path === 'top.yaml'));
  assert.ok(!all.files.some((f) => f.path.startsWith('.git')));
});

test('readRepoFiles refuses a configured path outside the repo', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-walk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { problems } = await readRepoFiles(dir, ['../elsewhere']);
  assert.match(problems[0]!.message, /leaves the repository/);
});
