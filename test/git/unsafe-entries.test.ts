import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { hashObject, treeBody, writeLooseObjects, type TreeLine } from '../../src/git/objects.ts';
import { writeChangedTree, type ObjectStore } from '../../src/git/tree.ts';
import { listFiles } from '../../src/git/list-files.ts';
import { ObjectReader } from '../../src/git/object-reader.ts';
import { parseTree, unsafeName } from '../../src/git/tree-entries.ts';
import type { TagpilotError } from '../../src/problems/index.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
let store: ObjectStore;
let web: string;
let apps: string;

/** Writes a tree exactly as given: names git would never accept included. */
async function rawTree(lines: TreeLine[]): Promise<string> {
  const tree = hashObject('tree', treeBody(lines));
  await writeLooseObjects(store.gitdir, [tree]);
  return tree.oid;
}

async function commitOf(tree: string): Promise<string> {
  const who = { name: 'Mallory', email: 'mallory@example.com', timestamp: 0, timezoneOffset: 0 };
  return git.writeCommit({ fs, gitdir: store.gitdir, commit: { tree, parent: [], author: who, committer: who, message: 'crafted\n' } });
}

/** The paths and unsafe-entry problems of a commit's watched `apps` folder, as the cycle lists them. */
async function listApps(commit: string): Promise<{ paths: string[]; problems: TagpilotError[] }> {
  const reader = new ObjectReader(store.gitdir);
  try {
    const listing = await listFiles(reader, commit, ['apps'], () => true);
    return { paths: listing.files.map((f) => f.path), problems: listing.unsafe };
  } finally {
    await reader.close();
  }
}

before(async () => {
  store = { gitdir: mkdtempSync(join(tmpdir(), 'tagpilot-unsafe-')), cache: {} };
  await git.init({ fs, gitdir: store.gitdir, bare: true });
  web = await git.writeBlob({ fs, gitdir: store.gitdir, blob: bytes('image: web:1\n') });
  apps = await rawTree([{ mode: '100644', path: 'web.yaml', oid: web }]);
});

// Each pushable where receive.fsckObjects is off (git's default); a checkout would refuse them all.
const UNSAFE: [name: string, reason: RegExp][] = [
  ['..', /leaves its folder/],
  ['.', /leaves its folder/],
  ['.git', /reserves/],
  ['.GIT', /reserves/],
  ['.Git', /reserves/],
  ['.git.', /reserves/],
  ['git~1', /reserves/],
  ['', /an empty name/],
  ['apps/web.yaml', /path separator/],
  ['apps\\web.yaml', /path separator/],
];

for (const [name, reason] of UNSAFE) {
  test(`a folder named ${JSON.stringify(name)} at the root is skipped with a problem; the watched folder is still read`, async () => {
    const root = await rawTree([
      { mode: '40000', path: name, oid: apps },
      { mode: '40000', path: 'apps', oid: apps },
    ]);
    const commit = await commitOf(root);
    const { paths, problems } = await listApps(commit);
    assert.deepEqual(paths, ['apps/web.yaml']);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.code, 'unsafe-tree-entry');
    assert.deepEqual({ path: problems[0]!.data.path, commit: problems[0]!.data.commit }, { path: name, commit });
    assert.match(problems[0]!.message, reason);
    assert.ok(problems[0]!.message.includes(`${JSON.stringify(name)} in commit ${commit.slice(0, 12)}`), problems[0]!.message);
  });
}

test('an unsafe file inside a watched folder is skipped with its full path', async () => {
  const folder = await rawTree([
    { mode: '100644', path: 'web.yaml', oid: web },
    { mode: '100644', path: '.GIT', oid: web },
  ]);
  const commit = await commitOf(await rawTree([{ mode: '40000', path: 'apps', oid: folder }]));
  const { paths, problems } = await listApps(commit);
  assert.deepEqual(paths, ['apps/web.yaml']);
  assert.deepEqual(
    problems.map((p) => p.data.path),
    ['apps/.GIT'],
  );
});

test('an unknown mode and a name listed twice are skipped as unsafe too', () => {
  const oid = Buffer.alloc(20, 1);
  const line = (mode: string, name: string) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), oid]);
  const { entries, unsafe } = parseTree(Buffer.concat([line('100644', 'a.yaml'), line('100644', 'a.yaml'), line('123', 'b.yaml')]));
  assert.deepEqual(
    entries.map((e) => e.path),
    ['a.yaml'],
  );
  assert.deepEqual(
    unsafe.map((u) => u.reason),
    ['a name that appears twice in its folder', 'an unknown mode "123"'],
  );
});

test('a name holding NUL is unsafe (a tree cannot even store one)', () => {
  assert.match(unsafeName('web\0.yaml')!, /NUL/);
  assert.equal(unsafeName('web.yaml'), undefined);
  assert.equal(unsafeName('.github'), undefined);
});

test('an edit beside an unsafe entry writes no new unsafe entry and keeps the remote one byte for byte', async () => {
  const root = await rawTree([
    { mode: '40000', path: '.git', oid: apps },
    { mode: '40000', path: 'apps', oid: apps },
  ]);
  const { tree, objects } = await writeChangedTree(store, root, new Map([['apps/web.yaml', bytes('image: web:2\n')]]));
  const trees = objects.filter((o) => o.type === 'tree');
  // The new root keeps the remote's `.git` entry as it was; no other tree we wrote holds one.
  const newRoot = parseTree(trees.find((o) => o.oid === tree)!.body);
  assert.deepEqual(
    newRoot.unsafe.map((u) => [u.line.mode, u.line.path, u.line.oid]),
    [['40000', '.git', apps]],
  );
  assert.equal(trees.flatMap((o) => parseTree(o.body).unsafe).length, 1);
  assert.notEqual(newRoot.entries.find((e) => e.path === 'apps')!.oid, apps);
});

test('a change whose path runs through an unsafe entry is refused', async () => {
  const root = await rawTree([{ mode: '40000', path: '.GIT', oid: apps }]);
  await assert.rejects(writeChangedTree(store, root, new Map([['.GIT/web.yaml', bytes('x')]])), /not a path inside the repository/);
});
