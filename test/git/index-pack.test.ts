import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storePack } from '../../src/git/index-pack.ts';
import { createBigRepo } from '../harness/big-repo.ts';

let root: string;
let bare: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'tagpilot-pack-'));
  // Similar YAML files in several commits: git packs them as chains of deltas.
  bare = createBigRepo(root, 'fleet', { files: 60, commits: 6, filesPerCommit: 10, folders: 3 });
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A pack of everything on main, as `git pack-objects` writes it. */
function packOf(...options: string[]): Buffer {
  const revs = execFileSync('git', ['rev-list', '--objects', 'main'], { cwd: bare });
  return execFileSync('git', ['pack-objects', '--stdout', ...options], { cwd: bare, input: revs, maxBuffer: 64 << 20 });
}

/** Stores the pack with ours, then asks git to index the same pack; returns both .idx files. */
async function indexBoth(pack: Buffer): Promise<{ ours: Buffer; git: Buffer; count: number }> {
  const gitdir = mkdtempSync(join(root, 'gitdir-'));
  mkdirSync(join(gitdir, 'objects', 'pack'), { recursive: true });
  const count = await storePack(gitdir, pack);
  const name = readdirSync(join(gitdir, 'objects', 'pack')).find((f) => f.endsWith('.idx'))!;
  const packFile = join(gitdir, 'objects', 'pack', name.replace(/\.idx$/, '.pack'));
  const gitIdx = join(root, `${name}.git`);
  execFileSync('git', ['index-pack', '-o', gitIdx, packFile]);
  return { ours: readFileSync(join(gitdir, 'objects', 'pack', name)), git: readFileSync(gitIdx), count };
}

test('a pack with offset deltas is indexed byte for byte as git index-pack does', async () => {
  const { ours, git, count } = await indexBoth(packOf('--delta-base-offset'));
  assert.ok(count > 60);
  assert.ok(ours.equals(git));
});

test('a pack with ref deltas is indexed byte for byte as git index-pack does', async () => {
  const { ours, git } = await indexBoth(packOf());
  assert.ok(ours.equals(git));
});

test('a pack whose checksum does not match is refused and nothing is stored', async () => {
  const pack = packOf('--delta-base-offset');
  pack.writeUInt8(pack[pack.length - 30]! ^ 0xff, pack.length - 30);
  const gitdir = mkdtempSync(join(root, 'bad-'));
  mkdirSync(join(gitdir, 'objects', 'pack'), { recursive: true });
  await assert.rejects(storePack(gitdir, pack), /corrupt/);
  assert.deepEqual(readdirSync(join(gitdir, 'objects', 'pack')), []);
});

test('a thin pack is completed with the bases we hold, into a pack git accepts', async () => {
  const thin = execFileSync('git', ['pack-objects', '--stdout', '--thin', '--delta-base-offset', '--revs'], { cwd: bare, input: 'main\n^main~1\n', maxBuffer: 64 << 20 });
  const asked: string[] = [];
  const lookup = async (oid: string) => {
    asked.push(oid);
    const type = execFileSync('git', ['cat-file', '-t', oid], { cwd: bare }).toString().trim();
    return { type, data: execFileSync('git', ['cat-file', type, oid], { cwd: bare }) };
  };
  const gitdir = mkdtempSync(join(root, 'thin-'));
  mkdirSync(join(gitdir, 'objects', 'pack'), { recursive: true });
  const count = await storePack(gitdir, thin, lookup);
  assert.ok(asked.length > 0, 'the pack was not thin');
  assert.equal(count, thin.readUInt32BE(8) + asked.length);
  const idx = readdirSync(join(gitdir, 'objects', 'pack')).find((f) => f.endsWith('.idx'))!;
  execFileSync('git', ['verify-pack', join(gitdir, 'objects', 'pack', idx)]);
});
