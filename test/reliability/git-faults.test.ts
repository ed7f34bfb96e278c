import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitFault, type GitRequest, type GitServer } from '../harness/git-server.ts';
import { generateKey, startSshd, type TestSshd } from '../harness/sshd.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git, installHook } from '../harness/git-repos.ts';
import { automated } from '../harness/manifests.ts';
import { writeConfig } from '../harness/fleet.ts';
import { closedPort } from '../harness/ports.ts';
import { runCli, type CliResult } from '../harness/cli.ts';

/**
 * The promise (docs/reliability.md#git-server-faults): whatever the Git server does, `tagpilot
 * run --once` exits 0 only when the remote branch holds our commit, and says the push failed only
 * when it does not; when neither can be known it says so. Exit codes: 0 landed (or nothing to
 * do), 1 not landed or not confirmed, 2 configuration. Real git http-backend and sshd, with
 * faults injected in front of the backend or by hooks inside it.
 */

/** What the run must report, and what the remote must then hold. */
type Expect = 'landed' | 'not landed' | 'unconfirmed';

const WEB = 'team/web';

let registry: TestRegistry;
let work: string;
let counter = 0;

before(async () => {
  registry = await startRegistry();
  await seedTags(registry.url, WEB, versionTags(['1.0.0', '1.1.0']));
  work = mkdtempSync(join(tmpdir(), 'tagpilot-git-faults-'));
});
after(async () => {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
});

function fleet(root: string): string {
  return createBareRepo(root, `fleet-${++counter}`, { 'apps/web.yaml': automated('web', `${registry.host}/${WEB}:1.0.0`, 'semver:^1') });
}

/**
 * The idle bound the faults are judged by: seconds, so that a loaded machine (an SSH handshake,
 * a git-shell start) is never mistaken for a stall, and a stall (`STALL_S`) well past it.
 */
const IDLE_S = 3;
const STALL_S = 3 * IDLE_S;

/** A config for `gitLines` (the url and its credentials); one push attempt. */
function config(gitLines: string, timeouts = `{ connect: 10s, idle: ${IDLE_S}s }`): string {
  return writeConfig(mkdtempSync(join(work, 'cfg-')), `git:\n${gitLines}  timeouts: ${timeouts}\n  pushAttempts: 1\n  paths: [apps]\n  author: { name: tagpilot-bot, email: bot@example.com }\nregistries:\n  - { host: "${registry.host}", insecure: true }\ncacheDir: cache\n`);
}

function run(path: string): Promise<CliResult> {
  return runCli(['run', '--once', '--config', path], { env: { LOG_LEVEL: 'info' } });
}

/** A hook that holds the push's report back for `STALL_S` once the branch has moved. */
const stallAfterCommit = `if [ "$1" = committed ]; then sleep ${STALL_S}; fi`;

const botLanded = (bare: string) => /team\/web:1\.1\.0/.test(git(bare, 'show', 'main:apps/web.yaml')) && git(bare, 'log', '-1', '--format=%an', 'main').trim() === 'tagpilot-bot';

/** The promise, checked the same way for every fault. */
function assertHonest(result: CliResult, bare: string, expected: Expect): void {
  const landed = botLanded(bare);
  if (expected === 'landed') {
    assert.equal(result.code, 0, result.err);
    assert.ok(landed, 'exit 0, so the remote must hold our commit');
    assert.match(result.err, /"msg":"cycle: committed"/);
    return;
  }
  assert.equal(result.code, 1, result.err);
  assert.doesNotMatch(result.err, /"msg":"cycle: committed"/);
  if (expected === 'not landed') {
    assert.ok(!landed, 'failure reported, so the remote must not hold our commit');
    return;
  }
  assert.ok(landed, 'this fault lets the push land');
  assert.match(result.err, /whether the push landed is unknown/);
  assert.doesNotMatch(result.err, /did not land/);
}

describe('over smart HTTP (git http-backend)', () => {
  let server: GitServer;
  let fault: ((request: GitRequest) => GitFault | undefined) | undefined;

  before(async () => {
    server = await startGitServer({ fault: (request) => fault?.(request) });
  });
  afterEach(() => {
    fault = undefined;
  });
  after(() => server.stop());

  const httpConfig = (bare: string, timeouts?: string) => config(`  url: ${server.url}/${bare.split('/').at(-1)}\n`, timeouts);
  const onPush = (f: GitFault) => (r: GitRequest) => (r.method === 'POST' && r.path.endsWith('/git-receive-pack') ? f : undefined);

  test('server down: exit 1, the URL named, nothing claimed', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/fleet.git`;
    const result = await run(config(`  url: ${url}\n`));
    assert.equal(result.code, 1);
    assert.ok(result.err.includes(`${url}/info/refs: connect ECONNREFUSED`), result.err);
  });

  test('every request answered 500: exit 1, remote untouched', async () => {
    const bare = fleet(server.root);
    fault = () => ({ status: 500 });
    const result = await run(httpConfig(bare));
    assertHonest(result, bare, 'not landed');
    assert.match(result.err, /HTTP 500/);
  });

  test('the push answered 500 before the backend saw it: exit 1, and it says the branch is unchanged', async () => {
    const bare = fleet(server.root);
    fault = onPush({ status: 500 });
    const result = await run(httpConfig(bare));
    assertHonest(result, bare, 'not landed');
    assert.match(result.err, /the branch is unchanged, so the push did not land/);
  });

  for (const how of ['status-500', 'reset', 'stall'] as const) {
    test(`the push applied, then its answer lost (${how}): exit 0, known from the branch read back`, async () => {
      const bare = fleet(server.root);
      fault = onPush({ afterBackend: how });
      const result = await run(httpConfig(bare));
      assertHonest(result, bare, 'landed');
      assert.match(result.err, /the answer was lost, the branch read back holds our commit/);
    });
  }

  test('the push applied, then the report stalls in a hook past the idle bound: exit 0, known from the branch read back', async () => {
    const bare = fleet(server.root);
    installHook(bare, 'reference-transaction', stallAfterCommit);
    const result = await run(httpConfig(bare));
    assertHonest(result, bare, 'landed');
    assert.match(result.err, /the answer was lost, the branch read back holds our commit/);
  });

  test('the push applied, then the server is gone for the read-back too: exit 1, said to be unknown, not failed', async () => {
    const bare = fleet(server.root);
    let pushed = false;
    fault = (r) => {
      if (pushed) return { status: 503 };
      pushed = r.method === 'POST' && r.path.endsWith('/git-receive-pack');
      return pushed ? { afterBackend: 'reset' } : undefined;
    };
    assertHonest(await run(httpConfig(bare)), bare, 'unconfirmed');
  });

  test('a slow server that never goes idle: exit 1 at the operation deadline, remote untouched', async () => {
    const bare = fleet(server.root);
    // 16 bytes a second: never idle, and the whole fetch would take minutes.
    let first: number | undefined;
    fault = () => {
      first ??= performance.now();
      return { dripMs: 1_000 };
    };
    const result = await run(httpConfig(bare, `{ connect: 10s, idle: ${IDLE_S}s, operation: 3s }`));
    assertHonest(result, bare, 'not landed');
    assert.match(result.err, /did not finish within 3 s \(git\.timeouts\.operation\)/);
    // Timed from the first request the server saw, so a slow start under load does not count.
    const ms = performance.now() - (first ?? Number.NaN);
    assert.ok(ms < 20_000, `stopped ${Math.round(ms)} ms after the first request`);
  });

  test('a hook refusing the push: exit 1 with the hook’s words, remote untouched', async () => {
    const bare = fleet(server.root);
    installHook(bare, 'pre-receive', 'echo "main is frozen" >&2\nexit 1');
    const result = await run(httpConfig(bare));
    assertHonest(result, bare, 'not landed');
    assert.match(result.err, /main is frozen/);
  });
});

describe('over SSH (sshd, git-shell)', () => {
  let sshd: TestSshd;
  let root: string;
  const key = generateKey('ed25519');

  before(async () => {
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
    root = mkdtempSync(join(work, 'ssh-repos-'));
    writeFileSync(join(work, 'deploy_key'), key.privateKey, { mode: 0o600 });
    writeFileSync(join(work, 'known_hosts'), sshd.knownHosts);
  });
  after(() => sshd.stop());

  const sshConfig = (url: string) => config(`  url: ${url}\n  ssh:\n    privateKey: { file: ${join(work, 'deploy_key')} }\n    knownHosts: { file: ${join(work, 'known_hosts')} }\n`);

  test('server down: exit 1, nothing claimed', async () => {
    const result = await run(sshConfig(`ssh://git@127.0.0.1:${await closedPort()}/fleet.git`));
    assert.equal(result.code, 1);
    assert.match(result.err, /ECONNREFUSED/);
  });

  test('the push applied, then receive-pack killed before its report: exit 0, known from the branch read back', async () => {
    const bare = fleet(root);
    installHook(bare, 'reference-transaction', 'if [ "$1" = committed ]; then kill -9 $PPID; fi');
    const result = await run(sshConfig(sshd.url(bare)));
    assertHonest(result, bare, 'landed');
    assert.match(result.err, /the answer was lost/);
  });

  test('the push applied, then the report stalls in a hook past the idle bound: exit 0, known from the branch read back', async () => {
    const bare = fleet(root);
    installHook(bare, 'reference-transaction', stallAfterCommit);
    const result = await run(sshConfig(sshd.url(bare)));
    assertHonest(result, bare, 'landed');
    assert.match(result.err, /the answer was lost, the branch read back holds our commit/);
  });

  test('a hook refusing the push: exit 1 with the hook’s words, remote untouched', async () => {
    const bare = fleet(root);
    installHook(bare, 'pre-receive', 'echo "main is frozen" >&2\nexit 1');
    const result = await run(sshConfig(sshd.url(bare)));
    assertHonest(result, bare, 'not landed');
    assert.match(result.err, /main is frozen/);
  });
});
