import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { hashObject, writeLooseObjects } from '../../src/git/objects.ts';

/** A gitdir with just the objects folder: all writeLooseObjects needs. */
function gitdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-loose-'));
  mkdirSync(join(dir, 'objects'), { recursive: true });
  return dir;
}

const blob = hashObject('blob', Buffer.from('image: registry.example/team/web:1.2.0\n'));
const path = (dir: string) => join(dir, 'objects', blob.oid.slice(0, 2), blob.oid.slice(2));

async function readBack(dir: string): Promise<string> {
  const { object } = await git.readObject({ fs, gitdir: dir, oid: blob.oid, format: 'content', cache: {} });
  return Buffer.from(object as Uint8Array).toString();
}

// A process killed between creating an object file and finishing its write leaves it empty or
// cut short; the next cycle writing the same (content-addressed) object must not keep it.
for (const [left, cut] of [
  ['empty', 0],
  ['cut short', 7],
] as const) {
  test(`a loose object left ${left} by a killed writer is replaced whole by the next write of it`, async () => {
    const dir = gitdir();
    try {
      await writeLooseObjects(dir, [blob]);
      truncateSync(path(dir), cut);
      await writeLooseObjects(dir, [blob]);
      assert.equal(await readBack(dir), blob.body.toString());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a loose object is never visible half-written: it is written beside and renamed into place, leaving no temp file', async () => {
  const dir = gitdir();
  try {
    await writeLooseObjects(dir, [blob, blob]);
    assert.equal(await readBack(dir), blob.body.toString());
    assert.deepEqual(readdirSync(join(dir, 'objects', blob.oid.slice(0, 2))), [blob.oid.slice(2)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
