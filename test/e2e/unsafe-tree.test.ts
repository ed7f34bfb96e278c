import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { automated } from '../harness/manifests.ts';
import { runCli } from '../harness/cli.ts';

let stack: Stack;
before(async () => {
  stack = await startStack();
  await seedTags(stack.registry.url, 'team/web', versionTags(['1.0.0', '1.1.0']));
});
after(() => stack.stop());

/** Adds an entry to a tree as git never would (hash-object --literally), in the bare repo. */
function withEntry(bare: string, tree: string, mode: string, name: string, oid: string): string {
  const raw = execFileSync('git', ['cat-file', 'tree', tree], { cwd: bare });
  const entry = Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')]);
  return execFileSync('git', ['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], { cwd: bare, input: Buffer.concat([raw, entry]) })
    .toString()
    .trim();
}

test('crafted tree entries (".GIT" outside the watched paths, ".." inside) are problems; the cycle still commits', async () => {
  const bare = createBareRepo(stack.server.root, 'crafted', { 'apps/web.yaml': automated('web', `${stack.registry.host}/team/web:1.0.0`, 'semver:^1'), 'README.md': '# fleet\n' });
  // Pushable as is where receive.fsckObjects is off, git's default.
  const apps = git(bare, 'rev-parse', 'main:apps').trim();
  const root = withEntry(bare, git(bare, 'rev-parse', 'main^{tree}').trim(), '40000', '.GIT', apps);
  const craftedApps = withEntry(bare, apps, '40000', '..', apps);
  const rootWithBoth = replaceEntry(bare, root, 'apps', craftedApps);
  const crafted = git(bare, 'commit-tree', rootWithBoth, '-p', 'main', '-m', 'crafted entries').trim();
  git(bare, 'update-ref', 'refs/heads/main', crafted);

  const result = await runCli(['run', '--once', '--config', stack.config('crafted')]);
  assert.equal(result.code, 0, `a problem in one item does not fail the cycle (docs/cli.md#exit-codes): ${result.err}`);
  assert.ok(result.err.includes(`tree entry \\".GIT\\" in commit ${crafted.slice(0, 12)} skipped`), result.err);
  assert.ok(result.err.includes(`tree entry \\"apps/..\\" in commit ${crafted.slice(0, 12)} skipped`), result.err);
  assert.equal(git(bare, 'rev-parse', 'main^').trim(), crafted);
  assert.match(git(bare, 'show', 'main:apps/web.yaml'), /team\/web:1\.1\.0/);
  // Our commit kept the crafted root entry as it was and created none.
  assert.ok(execFileSync('git', ['cat-file', 'tree', 'main^{tree}'], { cwd: bare }).includes(Buffer.concat([Buffer.from('40000 .GIT\0'), Buffer.from(apps, 'hex')])));
});

/** The tree with entry `name` pointing at `oid` instead (the raw bytes, so crafted names survive). */
function replaceEntry(bare: string, tree: string, name: string, oid: string): string {
  const raw = execFileSync('git', ['cat-file', 'tree', tree], { cwd: bare });
  const marker = Buffer.from(` ${name}\0`);
  const at = raw.indexOf(marker) + marker.length;
  const replaced = Buffer.concat([raw.subarray(0, at), Buffer.from(oid, 'hex'), raw.subarray(at + 20)]);
  return execFileSync('git', ['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], { cwd: bare, input: replaced }).toString().trim();
}
