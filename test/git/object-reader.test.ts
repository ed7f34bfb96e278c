import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { ObjectReader, ObjectTooLarge, ownBytes } from '../../src/git/object-reader.ts';
import { hashObject, writeLooseObjects, type NewObject } from '../../src/git/objects.ts';
import { git } from '../harness/git-repos.ts';

let dir: string;
let gitdir: string;

/** Similar files, so `git repack` stores most of them as deltas (ofs-delta chains). */
function manifest(i: number, version: number): string {
  const env = Array.from({ length: 40 }, (_, k) => `        - {name: SETTING_${k}, value: "v${(k * 7) % 13}"}\n`).join('');
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: svc-${i}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: reg.local/svc-${i}:1.${version}.0\n        env:\n${env}`;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tagpilot-objects-'));
  git(dir, 'init', '-q', '--initial-branch=main');
  mkdirSync(join(dir, 'apps'));
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, 'apps', `svc-${i}.yaml`), manifest(i, round));
    writeFileSync(join(dir, 'apps', 'zeros.yaml'), `# ${round}\n${'0'.repeat(2 * 1024 * 1024)}\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `round ${round}`);
  }
  git(dir, 'repack', '-adfq', '--depth=50', '--window=50');
  // One loose object besides the pack.
  writeFileSync(join(dir, 'apps', 'loose.yaml'), 'kind: Pod\n');
  git(dir, 'add', '-A');
  gitdir = join(dir, '.git');
});

after(() => rmSync(dir, { recursive: true, force: true }));

function allBlobs(): string[] {
  return git(dir, 'rev-list', '--objects', '--all')
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((oid) => oid !== '' && git(dir, 'cat-file', '-t', oid).trim() === 'blob');
}

test('object reader: every object of a delta-compressed pack reads back as git has it, with its header size', async () => {
  const idx = readdirSync(join(gitdir, 'objects', 'pack')).find((f) => f.endsWith('.idx'))!;
  assert.match(git(dir, 'verify-pack', '-v', join(gitdir, 'objects', 'pack', idx)), /chain length = \d+: \d+ objects/, 'the pack holds delta chains');
  const reader = new ObjectReader(gitdir);
  try {
    const oids = [...allBlobs(), git(dir, 'rev-parse', 'HEAD').trim(), git(dir, 'rev-parse', 'HEAD^{tree}').trim()];
    for (const oid of oids) {
      const type = git(dir, 'cat-file', '-t', oid).trim();
      assert.deepEqual(await reader.header(oid), { type, size: Number(git(dir, 'cat-file', '-s', oid)) }, oid);
      const object = await reader.read(oid, 4 * 1024 * 1024);
      assert.equal(object.type, type);
      assert.equal(createHash('sha1').update(`${type} ${object.data.length}\0`).update(object.data).digest('hex'), oid);
    }
  } finally {
    await reader.close();
  }
});

test('object reader: a blob over the limit is refused from its header, never inflated (packed and loose)', async () => {
  const reader = new ObjectReader(gitdir);
  try {
    const zeros = git(dir, 'rev-parse', 'HEAD:apps/zeros.yaml').trim();
    await assert.rejects(reader.read(zeros, 1024 * 1024), (e: unknown) => e instanceof ObjectTooLarge && e.code === 'object-too-large' && /over the 1048576 byte limit/.test(e.message));
    assert.equal((await reader.read(zeros, 4 * 1024 * 1024)).data.length, (await reader.header(zeros)).size);
  } finally {
    await reader.close();
  }
});

test('object reader: a loose object that declares a gigabyte (an inflate bomb) is refused without inflating it', async () => {
  const body = Buffer.from('blob 1073741824\0tiny');
  const oid = createHash('sha1').update(body).digest('hex');
  mkdirSync(join(gitdir, 'objects', oid.slice(0, 2)), { recursive: true });
  writeFileSync(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)), deflateSync(body));
  const reader = new ObjectReader(gitdir);
  try {
    assert.deepEqual(await reader.header(oid), { type: 'blob', size: 1073741824 });
    await assert.rejects(reader.read(oid, 1024 * 1024), ObjectTooLarge);
    // Within the limit it declares, it still must not inflate past what it declared.
    await assert.rejects(reader.read(oid, 2 * 1024 ** 3), /unusable/);
  } finally {
    await reader.close();
  }
});

test('object reader: an unknown object is an object-missing error', async () => {
  const reader = new ObjectReader(gitdir);
  await assert.rejects(reader.read('f'.repeat(40), 1024), (e: unknown) => (e as { code?: string }).code === 'object-missing');
  await reader.close();
});

/** A blob whose fan-out folder exists in the clone already, or one whose folder does not. */
function newBlob(folderExists: boolean): NewObject {
  for (let i = 0; ; i++) {
    const blob = hashObject('blob', Buffer.from(`kind: ConfigMap\nmetadata: {name: written-later-${i}}\n`));
    if (existsSync(join(gitdir, 'objects', blob.oid.slice(0, 2))) === folderExists) return blob;
  }
}

// Our own commits write loose objects into a clone whose reader is open (and has looked for
// loose folders already): the reader must find them, whether or not their folder was there.
for (const [where, folderExists] of [
  ['in a fan-out folder that did not exist', false],
  ['in a fan-out folder that existed', true],
] as const) {
  test(`object reader: an object written loose after the reader opened (${where}) is found`, async () => {
    const reader = new ObjectReader(gitdir);
    try {
      const packed = git(dir, 'rev-parse', 'HEAD:apps/svc-1.yaml').trim();
      assert.equal((await reader.header(packed)).type, 'blob');
      const blob = newBlob(folderExists);
      await writeLooseObjects(gitdir, [blob]);
      assert.deepEqual(await reader.read(blob.oid, 1024), { type: 'blob', data: blob.body });
      assert.deepEqual(await reader.header(blob.oid), { type: 'blob', size: blob.body.length });
    } finally {
      await reader.close();
    }
  });
}

test('object reader: read again, in the other order (headers and rebuilt bases remembered), every object reads back as git has it', async () => {
  const reader = new ObjectReader(gitdir);
  try {
    const oids = allBlobs();
    for (const oid of oids) await reader.read(oid, 4 * 1024 * 1024);
    for (const oid of oids.reverse()) {
      const size = Number(git(dir, 'cat-file', '-s', oid));
      assert.deepEqual(await reader.header(oid), { type: 'blob', size }, oid);
      const object = await reader.read(oid, 4 * 1024 * 1024);
      assert.equal(createHash('sha1').update(`blob ${object.data.length}\0`).update(object.data).digest('hex'), oid);
    }
  } finally {
    await reader.close();
  }
});

test('object reader: changing the bytes a read returned does not change the next read of that object', async () => {
  const reader = new ObjectReader(gitdir);
  try {
    const oid = allBlobs().find((o) => git(dir, 'cat-file', '-p', o).includes('svc-7:1.0.0'))!;
    const first = await reader.read(oid, 4 * 1024 * 1024);
    first.data.fill(0);
    const again = await reader.read(oid, 4 * 1024 * 1024);
    assert.equal(createHash('sha1').update(`blob ${again.data.length}\0`).update(again.data).digest('hex'), oid);
  } finally {
    await reader.close();
  }
});

test('object reader: a remembered object over a later read’s limit is still refused', async () => {
  const reader = new ObjectReader(gitdir);
  try {
    const oid = allBlobs().find((o) => git(dir, 'cat-file', '-p', o).includes('svc-7:1.2.0'))!;
    const { data } = await reader.read(oid, 4 * 1024 * 1024);
    await assert.rejects(reader.read(oid, data.length - 1), ObjectTooLarge);
  } finally {
    await reader.close();
  }
});

for (const [what, keep] of [
  ['shorter than its fan-out table', 726],
  ['cut inside its object names', 8 + 1024 + 100],
] as const) {
  test(`a pack index torn by a kill (${what}) is damage the clone heals from (object-corrupt), never a read past its end`, async () => {
    const torn = mkdtempSync(join(tmpdir(), 'tagpilot-torn-idx-'));
    try {
      git(torn, 'init', '-q', '--bare');
      const packDir = join(gitdir, 'objects', 'pack');
      const idx = readdirSync(packDir).find((n) => n.endsWith('.idx'))!;
      mkdirSync(join(torn, 'objects', 'pack'), { recursive: true });
      writeFileSync(join(torn, 'objects', 'pack', idx), readFileSync(join(packDir, idx)).subarray(0, keep));
      writeFileSync(join(torn, 'objects', 'pack', idx.replace(/\.idx$/, '.pack')), readFileSync(join(packDir, idx.replace(/\.idx$/, '.pack'))));
      const reader = new ObjectReader(torn);
      await assert.rejects(reader.refresh(), (e: Error & { code?: string }) => e.code === 'object-corrupt' && /pack index|too short/.test(e.message));
      await reader.close();
    } finally {
      rmSync(torn, { recursive: true, force: true });
    }
  });
}

test('object reader: what the cache keeps of an inflated object is its bytes alone, not the inflate buffer it is a view into', () => {
  const text = Buffer.from(manifest(1, 0));
  const inflated = inflateSync(deflateSync(text), { maxOutputLength: text.length });
  assert.ok(inflated.buffer.byteLength > 4 * inflated.length, 'zlib hands back a view into a larger buffer (the reason for the copy)');
  const kept = ownBytes(inflated);
  assert.deepEqual(kept, text);
  assert.equal(kept.buffer.byteLength, text.length);
  assert.equal(ownBytes(kept), kept, 'a buffer of its own is kept as it is');
});
