import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { storePack, type PackLimits } from '../../src/git/index-pack.ts';
import { DEFAULT_GIT_LIMITS } from '../../src/git/limits.ts';
import { GitError } from '../../src/git/remote.ts';
import type { TagpilotError } from '../../src/problems/index.ts';
import { buildPack, copyDelta, copyOp, deflatedZeros, insertOp, objectId, reverseRefDeltaChain, whole, type PackEntry } from '../harness/hostile-packs.ts';

const root = mkdtempSync(join(tmpdir(), 'tagpilot-hostile-'));
after(() => rmSync(root, { recursive: true, force: true }));

const MiB = 2 ** 20;
const SMALL: PackLimits = { objectBytes: MiB, unpackedBytes: 4 * MiB, deltaDepth: DEFAULT_GIT_LIMITS.deltaDepth };

function gitdir(): string {
  const dir = mkdtempSync(join(root, 'gitdir-'));
  mkdirSync(join(dir, 'objects', 'pack'), { recursive: true });
  return dir;
}

/** Stores the pack; on a refusal, checks that nothing was stored and returns the error. */
async function refusal(pack: Buffer, limits?: PackLimits): Promise<TagpilotError> {
  const dir = gitdir();
  const error = await storePack(dir, pack, undefined, limits).then(
    () => assert.fail('the pack was stored'),
    (e: unknown) => e,
  );
  assert.deepEqual(readdirSync(join(dir, 'objects', 'pack')), []);
  assert.ok(error instanceof GitError, `not a coded git error: ${String(error)}`);
  return error;
}

const refDelta = (baseOid: string, delta: Buffer): PackEntry => ({ type: 'ref-delta', declared: delta.length, deflated: deflateSync(delta), baseOid });

test('an object that declares more than the object limit is refused before anything is inflated', async () => {
  // 1.2 GB of zeros in 1.2 MB of pack: the limit is checked against the header alone.
  const pack = buildPack([{ type: 'blob', declared: 1_200 * MiB, deflated: await deflatedZeros(8 * MiB) }]);
  const error = await refusal(pack);
  assert.equal(error.code, 'object-too-large');
  assert.deepEqual(error.data, { limit: 'objectBytes', value: DEFAULT_GIT_LIMITS.objectBytes });
  assert.match(error.message, /declares more than the limit of 16 MiB \(git\.limits\.objectBytes\)/);
});

test('an object whose stream inflates past its declared size is cut there and refused', async () => {
  const pack = buildPack([{ type: 'blob', declared: 100, deflated: await deflatedZeros(64 * MiB) }]);
  const error = await refusal(pack);
  assert.equal(error.code, 'pack-corrupt');
  assert.match(error.message, /inflates to more than the 100 bytes it declares/);
});

test('objects each under the limit that unpack to more than the pack limit in all are refused', async () => {
  const blob = await deflatedZeros(MiB - 1);
  const pack = buildPack(Array.from({ length: 8 }, () => ({ type: 'blob' as const, declared: MiB - 1, deflated: blob })));
  const error = await refusal(pack, SMALL);
  assert.equal(error.code, 'pack-too-large');
  assert.deepEqual(error.data, { limit: 'unpackedBytes', value: 4 * MiB });
});

test('a delta that claims a result larger than the object limit is refused before it is allocated', async () => {
  const base = whole('blob', Buffer.from('base'));
  const pack = buildPack([base, refDelta(base.oid, copyDelta(4, 2 ** 40, [copyOp(0, 4)]))]);
  const error = await refusal(pack);
  assert.equal(error.code, 'object-too-large');
  assert.match(error.message, /builds an object larger than the limit of 16 MiB/);
});

test('deltas that double their base each step (a delta bomb) hit the unpacked limit', async () => {
  // Each step copies its base twice: 64 KiB → 128 KiB → … from a few bytes of delta each.
  let content = Buffer.alloc(64 * 1024, 0x61);
  const entries: PackEntry[] = [whole('blob', content)];
  let oid = objectId('blob', content);
  for (let step = 0; step < 5; step++) {
    const size = content.length;
    const copies = Array.from({ length: (2 * size) / 0x10000 }, (_, i) => copyOp((i * 0x10000) % size, 0x10000));
    content = Buffer.concat([content, content]);
    entries.push(refDelta(oid, copyDelta(size, content.length, copies)));
    oid = objectId('blob', content);
  }
  const error = await refusal(buildPack(entries), { ...SMALL, objectBytes: 4 * MiB, unpackedBytes: 2 * MiB });
  assert.equal(error.code, 'pack-too-large');
});

test('a reverse ref-delta chain one deeper than git ever writes is refused as too deep', async () => {
  // The 20,000-deep chain of the report is measured in bench/git-hostile.bench.ts.
  const { entries } = reverseRefDeltaChain(4_096);
  const error = await refusal(buildPack(entries));
  assert.equal(error.code, 'delta-chain-too-deep');
  assert.deepEqual(error.data, { limit: 'deltaDepth', value: 4_095 });
});

test('a reverse ref-delta chain as deep as git writes is indexed as git index-pack does', async () => {
  const { entries, tip } = reverseRefDeltaChain(4_095);
  const dir = join(root, 'chain.git');
  execFileSync('git', ['init', '-q', '--bare', dir]);
  assert.equal(await storePack(dir, buildPack(entries)), 4_096);
  const packDir = join(dir, 'objects', 'pack');
  const idx = readdirSync(packDir).find((f) => f.endsWith('.idx'))!;
  const gitIdx = join(root, `${idx}.git`);
  execFileSync('git', ['index-pack', '-o', gitIdx, join(packDir, idx.replace(/\.idx$/, '.pack'))]);
  assert.ok(readFileSync(join(packDir, idx)).equals(readFileSync(gitIdx)));
  assert.match(execFileSync('git', ['--git-dir', dir, 'cat-file', '-p', tip]).toString(), /^x{56}00004095$/);
});

test('an offset delta pointing before the pack is refused', async () => {
  const delta = copyDelta(4, 4, [copyOp(0, 4)]);
  // Type 6 (ofs-delta), size in the low bits, then a backwards offset far past the start.
  const entry = Buffer.concat([Buffer.from([0x60 | delta.length, 0x7f]), deflateSync(delta)]);
  const pack = withChecksum(Buffer.concat([packHeader(1), entry]));
  assert.equal((await refusal(pack)).code, 'pack-corrupt');
});

test('a pack that holds fewer objects than its header says is refused', async () => {
  const pack = buildPack([whole('blob', Buffer.from('one'))]);
  const lying = Buffer.from(pack.subarray(0, pack.length - 20));
  lying.writeUInt32BE(1_000_000, 8);
  assert.equal((await refusal(withChecksum(lying))).code, 'pack-corrupt');
});

test('whatever bytes a pack holds, storing it succeeds or fails with a coded error, never a crash', async () => {
  const base = whole('blob', Buffer.from('apiVersion: v1\nkind: ConfigMap\n'.repeat(4)));
  const good = buildPack([base, refDelta(base.oid, copyDelta(124, 130, [copyOp(0, 124), insertOp(Buffer.from('#extra'))]))]);
  const body = good.subarray(0, good.length - 20);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(body.length - 13), fc.nat(255)), { minLength: 1, maxLength: 4 }), async (flips) => {
      const mutated = Buffer.from(body);
      for (const [at, value] of flips) mutated[12 + at] = value;
      await storePack(gitdir(), withChecksum(mutated), undefined, SMALL).catch((error: unknown) => {
        // A delta whose base is missing is reported as a damaged clone (a plain Error), the rest as the remote's fault.
        if (error instanceof GitError || (error as Error).message === 'the pack refers to a delta base we do not hold') return;
        throw error;
      });
    }),
    { numRuns: 300 },
  );
});

function packHeader(count: number): Buffer {
  const header = Buffer.from('PACK\0\0\0\x02\0\0\0\0', 'latin1');
  header.writeUInt32BE(count, 8);
  return header;
}

function withChecksum(body: Buffer): Buffer {
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}
