import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { FLEET_TAGS, fleetFiles, writeConfig } from '../harness/fleet.ts';

let registry: TestRegistry;
let server: GitServer;
let work: string;

before(async () => {
  [registry, server] = await Promise.all([startRegistry(), startGitServer()]);
  for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(registry.url, repository, versionTags(tags));
  work = mkdtempSync(join(tmpdir(), 'tagpilot-loop-'));
});

after(async () => {
  await Promise.all([registry.stop(), server.stop()]);
  rmSync(work, { recursive: true, force: true });
});

test('run without --once cycles on the interval and exits 0 on SIGTERM', async () => {
  const bare = createBareRepo(server.root, 'loop', fleetFiles(registry.host));
  const config = writeConfig(work, `git:\n  url: ${server.repoUrl('loop')}\n  paths: [apps]\nregistries: [{ host: "${registry.host}", insecure: true }]\ninterval: 200ms\ncacheDir: cache\n`);
  const child = spawn(process.execPath, ['src/cli/main.ts', 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } });
  let logs = '';
  child.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const exited = once(child, 'exit');
  // Two cycles prove the loop: the first commits, the second finds nothing new.
  while ((logs.match(/"msg":"cycle: /g) ?? []).length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, logs);
  assert.match(logs, /"msg":"cycle: committed"[\s\S]*"msg":"cycle: nothing to change"[\s\S]*"msg":"stopped"/);
  assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '2');
});
