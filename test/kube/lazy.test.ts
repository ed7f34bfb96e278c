import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from '../harness/ports.ts';
import { cluster, type Cluster } from './double.ts';

/**
 * @kubernetes/client-node costs about a second of CPU and 40 MiB (bench/kube-import.bench.ts):
 * the CLI loads it only when the config reads a Secret through the API.
 */
const root = join(import.meta.dirname, '../..');
let k: Cluster;
let dir: string;
let port: number;
before(async () => {
  k = await cluster();
  k.api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tagpilot-deploy-key', namespace: 'tagpilot' }, data: { token: Buffer.from('git-token-SECRET').toString('base64') } });
  dir = mkdtempSync(join(tmpdir(), 'tagpilot-lazy-'));
  port = await closedPort();
});
after(async () => {
  await k.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** In a child, asynchronously: the double answers from this process. */
async function plan(password: string, env: Record<string, string>): Promise<{ loaded: string[]; stderr: string; status: number | null }> {
  const config = join(dir, `c-${Math.random()}.yaml`);
  writeFileSync(config, `git:\n  url: http://127.0.0.1:${port}/fleet.git\n  insecure: true\n  auth: { password: ${password} }\ncacheDir: ${join(dir, 'cache')}\n`);
  const file = join(dir, 'loaded.json');
  const child = spawn(process.execPath, ['--import', './test/harness/record-loads.ts', 'src/cli/main.ts', 'plan', '--config', config], { cwd: root, env: { PATH: process.env.PATH, LOADED_FILE: file, LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { loaded: JSON.parse(readFileSync(file, 'utf8')) as string[], stderr, status };
}
const clientNode = (loaded: string[]) => loaded.some((url) => url.includes('/node_modules/@kubernetes/client-node/'));

test('a config with no { secret } reference never loads the Kubernetes client', async () => {
  const run = await plan('{ env: GIT_TOKEN }', { GIT_TOKEN: 't' });
  assert.equal(run.status, 1, run.stderr);
  assert.equal(clientNode(run.loaded), false);
});

test('a { secret } reference loads it, reads the Secret through the API (KUBECONFIG), and its value reaches no output', async () => {
  const run = await plan('{ secret: { name: tagpilot-deploy-key, key: token } }', { KUBECONFIG: k.kubeconfig });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /ECONNREFUSED/, 'it got as far as the Git server');
  assert.equal(clientNode(run.loaded), true);
  assert.deepEqual(
    k.api.calls.map((c) => `${c.verb} ${c.resource} ${c.namespace}/${c.name} ${c.status}`),
    ['get secrets tagpilot/tagpilot-deploy-key 200'],
  );
  assert.ok(!run.stderr.includes('git-token-SECRET'));
});
