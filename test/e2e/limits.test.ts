import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { plan } from '../../src/automation/cycle.ts';
import { GitRepo } from '../../src/git/repo.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { createBareRepo } from '../harness/git-repos.ts';

let server: GitServer;
let cache: string;

before(async () => {
  server = await startGitServer();
  cache = mkdtempSync(join(tmpdir(), 'tagpilot-limits-'));
  const many = Array.from({ length: 20_000 }, (_, i) => `  key-${i}: "value-${i}"\n`).join('');
  createBareRepo(server.root, 'hostile', {
    'apps/web.yaml': 'kind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: a, image: "reg.local/web:1"}]\n',
    'apps/settings.yaml': `kind: ConfigMap\nmetadata: {name: settings}\ndata:\n${many}`,
  });
});

after(async () => {
  await server.stop();
  rmSync(cache, { recursive: true, force: true });
});

test('a cycle over a repository with a 500 KB file skips it as file-too-large and reads the rest; a path matching nothing is a problem', async () => {
  const repo = GitRepo.forRemote(cache, { url: server.repoUrl('hostile'), branch: 'main' });
  try {
    const planned = await plan({ repo, tags: new RegistryClient(), branch: 'main', paths: ['apps', 'clusters'], author: { name: 'b', email: 'b@example.com' }, log: pino({ level: 'silent' }) });
    assert.deepEqual(
      planned.problems.map((p) => [p.subject, p.code]),
      [
        ['clusters', 'path-matches-nothing'],
        ['apps/settings.yaml', 'file-too-large'],
      ],
    );
  } finally {
    await repo.close();
  }
});
