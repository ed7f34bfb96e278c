/**
 * What indexing a fetched pack keeps alive. The long run's anonymous memory grew in steps at each
 * re-clone, where the revert rule deepens the clone to 1,000 commits and a pack of some 3,000
 * small objects arrives: storePack kept each small object's inflated bytes for the delta
 * resolution as a view into zlib's 16 KiB output chunk, so 3,000 objects of 200 bytes held
 * 48 MiB at once (its 32 MiB budget counts the objects' sizes). malloc keeps such a peak of
 * 16 KiB blocks mapped after it is freed, and each deeper re-clone raised it again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { storePack } from '../../src/git/index-pack.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 2 ** 20;

/** `commits` commits of one small notes file, written by `git fast-import` (one process, not one per commit). */
function notesHistory(dir: string, commits: number): Buffer {
  execFileSync('git', ['init', '-q', '--bare', dir]);
  const stream = [];
  for (let i = 1; i <= commits; i++) {
    const text = `# notes\n\nrevision ${i}: ${'x'.repeat(i % 50)}\n`;
    stream.push(`commit refs/heads/main\ncommitter Dev <dev@example.com> ${1_700_000_000 + i} +0000\ndata ${`notes ${i}`.length}\nnotes ${i}\n`);
    stream.push(`M 100644 inline docs/notes.md\ndata ${Buffer.byteLength(text)}\n${text}\n`);
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: stream.join('') });
  const revs = execFileSync('git', ['rev-list', '--objects', 'main'], { cwd: dir, maxBuffer: 64 * MiB });
  return execFileSync('git', ['pack-objects', '--stdout', '--delta-base-offset'], { cwd: dir, input: revs, maxBuffer: 64 * MiB });
}

test('indexing a pack of 3,000 small objects keeps about their size alive, not a zlib output chunk for each', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tagpilot-pack-memory-'));
  try {
    const pack = notesHistory(join(root, 'source.git'), 1_000);
    const gitdir = join(root, 'clone');
    mkdirSync(join(gitdir, 'objects', 'pack'), { recursive: true });
    gc();
    const before = process.memoryUsage().arrayBuffers;
    // storePack writes the pack and its index while it still holds every entry: read what is
    // live (after a collection) each time the event loop turns meanwhile.
    let peak = 0;
    let sampling = true;
    const sample = () => {
      if (!sampling) return;
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
      setImmediate(sample);
    };
    setImmediate(sample);
    const count = await storePack(gitdir, pack);
    sampling = false;
    assert.ok(count >= 3_000, `${count} objects`);
    t.diagnostic(`${(peak / MiB).toFixed(2)} MiB of buffers alive at most while indexing a ${(pack.length / MiB).toFixed(2)} MiB pack of ${count} objects`);
    // The received pack, its index, and some 3,000 objects of under 200 bytes each.
    assert.ok(peak < pack.length * 3 + 4 * MiB, `${(peak / MiB).toFixed(1)} MiB of buffers alive while indexing a ${(pack.length / MiB).toFixed(2)} MiB pack of ${count} objects`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
