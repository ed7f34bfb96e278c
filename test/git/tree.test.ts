import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { writeChangedTree, type ObjectStore } from '../../src/git/tree.ts';
import { listFiles } from '../../src/git/list-files.ts';
import { ObjectReader } from '../../src/git/object-reader.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
let store: ObjectStore;
let root: string;
let commit: string;

async function blob(text: string): Promise<string> {
  return git.writeBlob({ fs, gitdir: store.gitdir, blob: bytes(text) });
}

before(async () => {
  store = { gitdir: mkdtempSync(join(tmpdir(), 'tagpilot-tree-')), cache: {} };
  await git.init({ fs, gitdir: store.gitdir, bare: true });
  const apps = await git.writeTree({
    fs,
    gitdir: store.gitdir,
    tree: [
      { mode: '100644', path: 'web.yaml', oid: await blob('image: web:1\n'), type: 'blob' },
      { mode: '100755', path: 'deploy.sh', oid: await blob('#!/bin/sh\n'), type: 'blob' },
      { mode: '120000', path: 'link.yaml', oid: await blob('web.yaml'), type: 'blob' },
    ],
  });
  root = await git.writeTree({
    fs,
    gitdir: store.gitdir,
    tree: [
      { mode: '040000', path: 'apps', oid: apps, type: 'tree' },
      { mode: '100644', path: 'README.md', oid: await blob('# fleet\n'), type: 'blob' },
      { mode: '160000', path: 'vendored', oid: 'a'.repeat(40), type: 'commit' },
    ],
  });
  const who = { name: 'Dev', email: 'dev@example.com', timestamp: 0, timezoneOffset: 0 };
  commit = await git.writeCommit({ fs, gitdir: store.gitdir, commit: { tree: root, parent: [], author: who, committer: who, message: 'init\n' } });
});

async function entries(tree: string, path: string): Promise<Map<string, { mode: string; oid: string }>> {
  const { tree: list } = await git.readTree({ fs, ...store, oid: tree, filepath: path });
  return new Map(list.map((e) => [e.path, { mode: e.mode, oid: e.oid }]));
}

function looseObjects(): number {
  return readdirSync(join(store.gitdir, 'objects'))
    .filter((d) => /^[0-9a-f]{2}$/.test(d))
    .reduce((n, d) => n + readdirSync(join(store.gitdir, 'objects', d)).length, 0);
}

test('a changed file gets a new blob; its neighbours keep theirs', async () => {
  const { tree } = await writeChangedTree(store, root, new Map([['apps/web.yaml', bytes('image: web:2\n')]]));
  const before = await entries(root, 'apps');
  const after = await entries(tree, 'apps');
  assert.notEqual(after.get('web.yaml')!.oid, before.get('web.yaml')!.oid);
  assert.deepEqual(after.get('deploy.sh'), before.get('deploy.sh'));
  assert.deepEqual((await entries(tree, '')).get('README.md'), (await entries(root, '')).get('README.md'));
});

test('only the changed blob and the trees on its path are written, and returned for the push', async () => {
  const count = looseObjects();
  const { tree, objects } = await writeChangedTree(store, root, new Map([['apps/web.yaml', bytes('image: web:3\n')]]));
  assert.equal(looseObjects() - count, 3);
  assert.deepEqual(
    objects.map((o) => o.type),
    ['blob', 'tree', 'tree'],
  );
  assert.equal(objects.at(-1)!.oid, tree);
});

test('the trees written are the ones git itself would write', async () => {
  const { tree } = await writeChangedTree(store, root, new Map([['apps/web.yaml', bytes('image: web:4\n')]]));
  const { tree: entries } = await git.readTree({ fs, ...store, oid: tree, filepath: 'apps' });
  const expected = await git.writeTree({ fs, gitdir: store.gitdir, tree: entries });
  assert.equal((await git.readTree({ fs, ...store, oid: tree })).tree.find((e) => e.path === 'apps')!.oid, expected);
});

test('an executable keeps its mode when it changes', async () => {
  const { tree } = await writeChangedTree(store, root, new Map([['apps/deploy.sh', bytes('#!/bin/sh\nexit 0\n')]]));
  assert.equal((await entries(tree, 'apps')).get('deploy.sh')!.mode, '100755');
});

test('the same changes give the same tree, whatever their order', async () => {
  const a = (
    await writeChangedTree(
      store,
      root,
      new Map([
        ['apps/web.yaml', bytes('x\n')],
        ['README.md', bytes('y\n')],
      ]),
    )
  ).tree;
  const b = (
    await writeChangedTree(
      store,
      root,
      new Map([
        ['README.md', bytes('y\n')],
        ['apps/web.yaml', bytes('x\n')],
      ]),
    )
  ).tree;
  assert.equal(a, b);
});

test('paths that leave the tree or touch .git are refused', async () => {
  for (const path of ['../outside.yaml', '/etc/passwd', 'apps/../README.md', '.git/config', 'apps//web.yaml', './README.md']) {
    await assert.rejects(writeChangedTree(store, root, new Map([[path, bytes('x')]])), /not a path inside the repository/, path);
  }
});

test('a symlink, a folder or a submodule cannot be overwritten as a file', async () => {
  await assert.rejects(writeChangedTree(store, root, new Map([['apps/link.yaml', bytes('x')]])), /"apps\/link\.yaml": not a regular file/);
  await assert.rejects(writeChangedTree(store, root, new Map([['apps', bytes('x')]])), /"apps": not a regular file/);
  await assert.rejects(writeChangedTree(store, root, new Map([['vendored', bytes('x')]])), /"vendored": not a regular file/);
});

test('a file that does not exist is refused rather than created', async () => {
  await assert.rejects(writeChangedTree(store, root, new Map([['apps/new.yaml', bytes('x')]])), /"apps\/new\.yaml": not in the tree/);
  await assert.rejects(writeChangedTree(store, root, new Map([['README.md/x', bytes('x')]])), /"README\.md" is not a folder/);
});

test('listing files skips symlinks and submodules, descends only into the roots asked for, and gives sizes', async () => {
  const reader = new ObjectReader(store.gitdir);
  const { files, unmatched } = await listFiles(reader, commit, ['apps', 'vendored', 'charts'], () => true);
  await reader.close();
  assert.deepEqual(
    files.map((f) => [f.path, f.size]),
    [
      ['apps/deploy.sh', 10],
      ['apps/web.yaml', 13],
    ],
  );
  assert.deepEqual(unmatched, ['vendored', 'charts']);
});
