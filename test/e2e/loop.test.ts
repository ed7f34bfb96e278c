import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles } from '../harness/fleet.ts';

let stack: Stack;

before(async () => {
  stack = await startStack();
  for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(stack.registry.url, repository, versionTags(tags));
});

after(() => stack.stop());

test('run without --once cycles on the interval and exits 0 on SIGTERM (the idle cycle logs at debug)', async () => {
  const bare = createBareRepo(stack.server.root, 'loop', fleetFiles(stack.registry.host));
  const config = stack.config('loop', 'interval: 1s\n');
  const child = spawn(process.execPath, ['src/cli/main.ts', 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'debug' } });
  let logs = '';
  child.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const exited = once(child, 'exit');
  // Two cycles prove the loop: the first commits, the second finds nothing new.
  const deadline = Date.now() + 30_000;
  while ((logs.match(/"msg":"cycle: /g) ?? []).length < 2) {
    // A loop that never cycles must fail the test, not hang CI.
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      assert.fail(`no two cycles within 30 s:\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, logs);
  assert.match(logs, /"msg":"cycle: committed"[\s\S]*"msg":"cycle: nothing to change"[\s\S]*"msg":"stopped"/);
  assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '2');
});
