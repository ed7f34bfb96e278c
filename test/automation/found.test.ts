import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findAt } from '../../src/automation/found.ts';
import { DEFAULT_READ_LIMITS } from '../../src/automation/read.ts';
import { InMemoryRepository } from '../fakes/repository.ts';
import { automated, deployment } from '../harness/manifests.ts';

const WEB = automated('web', 'ghcr.io/org/web:1.0.0', 'semver:^1');
const PLAIN = deployment('db', 'ghcr.io/org/db:1.0.0', {});
const paths = ['apps'];
const limits = DEFAULT_READ_LIMITS;

/** A repository that counts the blobs read from it and the listings made. */
function counted(files: Record<string, string>) {
  const repo = new InMemoryRepository(files);
  const counter = { blobs: 0, listings: 0 };
  const read = repo.readBlob.bind(repo);
  const list = repo.listFiles.bind(repo);
  repo.readBlob = async (...args) => {
    counter.blobs++;
    return read(...args);
  };
  repo.listFiles = async (...args) => {
    counter.listings++;
    return list(...args);
  };
  return { repo, counter };
}

test('at the commit the last cycle read, nothing is listed or read again and the same slots come back', async () => {
  const { repo, counter } = counted({ 'apps/web.yaml': WEB, 'apps/db.yaml': PLAIN });
  const first = await findAt({ repo, paths }, repo.head(), limits);
  const before = { ...counter };
  const again = await findAt({ repo, paths }, repo.head(), limits);
  assert.deepEqual(counter, before);
  assert.deepEqual(again.slots, first.slots);
  assert.deepEqual(first.slots.map((s) => s.image).sort(), ['ghcr.io/org/db:1.0.0', 'ghcr.io/org/web:1.0.0']);
});

test('a cycle adding problems to what it got leaves the next cycle’s list as found', async () => {
  const { repo } = counted({ 'apps/web.yaml': WEB, 'apps/bad.yaml': 'image: [' });
  const first = await findAt({ repo, paths }, repo.head(), limits);
  const found = first.problems.length;
  assert.ok(found > 0);
  first.problems.push({ code: 'yaml-invalid', subject: 'x', message: 'added by the cycle' });
  const again = await findAt({ repo, paths }, repo.head(), limits);
  assert.equal(again.problems.length, found);
});

test('a new commit is read afresh', async () => {
  const { repo, counter } = counted({ 'apps/web.yaml': WEB });
  await findAt({ repo, paths }, repo.head(), limits);
  const before = counter.listings;
  const head = repo.humanCommit({ 'apps/web.yaml': WEB.replace('web:1.0.0', 'web:1.2.0') });
  const found = await findAt({ repo, paths }, head, limits);
  assert.equal(counter.listings, before + 1);
  assert.deepEqual(
    found.slots.map((s) => s.image),
    ['ghcr.io/org/web:1.2.0'],
  );
});

test('other paths, named policies or limits are read afresh at the same commit', async () => {
  const { repo, counter } = counted({ 'apps/web.yaml': WEB });
  await findAt({ repo, paths }, repo.head(), limits);
  await findAt({ repo, paths: ['apps', 'charts'] }, repo.head(), limits);
  await findAt({ repo, paths, namedPolicies: new Map() }, repo.head(), limits);
  await findAt({ repo, paths }, repo.head(), { ...limits, maxCycleBytes: 1024 });
  assert.equal(counter.listings, 4);
});

test('only the listing of files with an automated slot is kept for editing', async () => {
  const { repo } = counted({ 'apps/web.yaml': WEB, 'apps/db.yaml': PLAIN });
  const found = await findAt({ repo, paths }, repo.head(), limits);
  assert.deepEqual([...found.files.keys()], ['apps/web.yaml']);
});

test('the cycle that reads gets the parses of its automated files; a cycle at the same commit does not (they are never kept)', async () => {
  const { repo } = counted({ 'apps/web.yaml': WEB, 'apps/db.yaml': PLAIN });
  const first = await findAt({ repo, paths }, repo.head(), limits);
  assert.deepEqual([...(first.held?.keys() ?? [])], ['apps/web.yaml']);
  first.release?.();
  const again = await findAt({ repo, paths }, repo.head(), limits);
  assert.equal(again.held, undefined);
});
