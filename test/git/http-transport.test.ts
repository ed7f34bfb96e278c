import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { GitError } from '../../src/git/remote.ts';
import { selfSignedCert, startGitServer, type GitServer } from '../harness/git-server.ts';
import { createBareRepo } from '../harness/git-repos.ts';
import { botWrite, cacheDirs, head, openRepo } from './fixtures.ts';
import { listenLocal } from '../harness/ports.ts';
import { startRecorder, startRedirector, type Recorder } from '../harness/redirector.ts';

const TOKEN = 'tok-SECRET-123';
const files = { 'apps/web.yaml': 'image: web:1\n' };

describe('HTTPS transport: credentials, redirects, CA, timeouts', () => {
  let server: GitServer;
  const caches = cacheDirs();

  before(async () => {
    server = await startGitServer({ auth: { username: 'x-access-token', password: TOKEN } });
  });
  after(async () => {
    await server.stop();
    caches.cleanup();
  });

  test('the token goes with the first request, so no request is answered 401', async () => {
    const bare = createBareRepo(server.root, 'authed', files);
    const start = server.exchanges.length;
    const repo = openRepo(caches.make(), { url: server.repoUrl('authed'), branch: 'main', auth: { username: 'x-access-token', password: TOKEN } });
    assert.equal(await repo.sync(), head(bare));
    assert.deepEqual(
      server.exchanges.slice(start).map((e) => e.status),
      [200, 200],
    );
  });

  test('a wrong token fails with the status, and the error never shows the token', async () => {
    createBareRepo(server.root, 'wrong', files);
    const repo = openRepo(caches.make(), { url: server.repoUrl('wrong'), branch: 'main', auth: { username: 'x-access-token', password: 'nope-SECRET' } });
    await assert.rejects(repo.sync(), (error: Error) => error instanceof GitError && /401/.test(error.message) && !error.message.includes('SECRET'));
  });

  describe('redirects: credentials never follow one to another origin', () => {
    let other: Recorder;
    before(async () => {
      other = await startRecorder();
    });
    after(() => other.stop());

    for (const status of [301, 302, 307, 308]) {
      test(`a ${status} of the ref advertisement to another origin fails naming both hosts, and that origin gets nothing`, async () => {
        createBareRepo(server.root, `moved-${status}`, files);
        const proxy = await startRedirector(server.url, () => ({ status, location: `${other.url}/elsewhere.git/info/refs?service=git-upload-pack` }));
        try {
          const repo = openRepo(caches.make(), { url: `${proxy.url}/moved-${status}.git`, branch: 'main', auth: { username: 'x-access-token', password: TOKEN } });
          await assert.rejects(repo.sync(), (error: unknown) => {
            assert.ok(error instanceof GitError);
            assert.equal(error.code, 'credential-redirect');
            assert.ok(error.message.includes(`refused a redirect from ${proxy.host} to ${other.host}`), error.message);
            assert.ok(!error.message.includes(TOKEN));
            return true;
          });
          assert.equal(other.requests.length, 0);
        } finally {
          await proxy.stop();
        }
      });
    }

    test('a push redirected with 307 to another origin is refused before its body goes anywhere', async () => {
      const bare = createBareRepo(server.root, 'push-moved', files);
      const proxy = await startRedirector(server.url, (req) => (req.method === 'POST' ? { status: 307, location: `${other.url}/evil.git/git-receive-pack` } : undefined));
      try {
        const repo = openRepo(caches.make(), { url: `${proxy.url}/push-moved.git`, branch: 'main', auth: { username: 'x-access-token', password: TOKEN } });
        const before = head(bare);
        await assert.rejects(botWrite(repo, 'apps/web.yaml', 'image: web:2\n'), new RegExp(`refused a redirect from ${proxy.host} to ${other.host}: the request carries the credentials`));
        assert.equal(other.requests.length, 0);
        assert.equal(head(bare), before);
      } finally {
        await proxy.stop();
      }
    });

    test('without credentials, a redirect to another origin is followed', async () => {
      const anonymous = await startGitServer();
      const bare = createBareRepo(anonymous.root, 'public', files);
      const proxy = await startRedirector(server.url, (req) => ({ status: 308, location: `${anonymous.url}${req.url}` }));
      try {
        const repo = openRepo(caches.make(), { url: `${proxy.url}/public.git`, branch: 'main' });
        assert.equal(await repo.sync(), head(bare));
      } finally {
        await proxy.stop();
        await anonymous.stop();
      }
    });

    for (const status of [307, 308]) {
      test(`a same-origin ${status} of a push keeps it a POST with its body, and it lands`, async () => {
        const bare = createBareRepo(server.root, `kept-${status}`, files);
        const proxy = await startRedirector(server.url, (req) => (req.url!.startsWith('/new-home/') ? { path: req.url!.slice('/new-home'.length) } : req.method === 'POST' ? { status, location: `/new-home${req.url}` } : undefined));
        try {
          const repo = openRepo(caches.make(), { url: `${proxy.url}/kept-${status}.git`, branch: 'main', auth: { username: 'x-access-token', password: TOKEN } });
          const { commit } = await botWrite(repo, 'apps/web.yaml', 'image: web:2\n');
          assert.equal(head(bare), commit);
          assert.ok(proxy.forwarded.some((r) => r.startsWith('POST /new-home/')));
        } finally {
          await proxy.stop();
        }
      });
    }

    for (const status of [301, 302, 303]) {
      test(`a same-origin ${status} of a push is refused: it would turn the POST into a GET`, async () => {
        const bare = createBareRepo(server.root, `lost-${status}`, files);
        const proxy = await startRedirector(server.url, (req) => (req.method === 'POST' ? { status, location: `/new-home${req.url}` } : undefined));
        try {
          const repo = openRepo(caches.make(), { url: `${proxy.url}/lost-${status}.git`, branch: 'main', auth: { username: 'x-access-token', password: TOKEN } });
          const before = head(bare);
          await assert.rejects(botWrite(repo, 'apps/web.yaml', 'image: web:2\n'), new RegExp(`a POST redirected with ${status} would lose its body`));
          assert.equal(head(bare), before);
        } finally {
          await proxy.stop();
        }
      });
    }
  });

  test('credentials written into the URL never appear in errors', async () => {
    const repo = openRepo(caches.make(), { url: `http://bot:${TOKEN}@127.0.0.1:1/none.git`, branch: 'main', timeouts: { connectMs: 500, idleMs: 500 } });
    await assert.rejects(repo.sync(), (error: Error) => !error.message.includes(TOKEN) && !String(error.stack).includes(TOKEN));
  });

  test('a server that accepts but never answers fails after the idle timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => sockets.add(socket));
    await listenLocal(silent);
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/fleet.git`;
      const repo = openRepo(caches.make(), { url, branch: 'main', timeouts: { connectMs: 1_000, idleMs: 300 } });
      const started = performance.now();
      await assert.rejects(repo.sync(), /timeout/i);
      assert.ok(performance.now() - started < 3_000);
      await repo.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  describe('over TLS', () => {
    let tls: GitServer;
    const certificate = selfSignedCert();

    before(async () => {
      tls = await startGitServer({ tls: certificate });
      createBareRepo(tls.root, 'fleet', files);
    });
    after(() => tls.stop());

    test('a server whose certificate no trusted CA signed is refused', async () => {
      const repo = openRepo(caches.make(), { url: tls.repoUrl('fleet'), branch: 'main' });
      await assert.rejects(repo.sync(), /certificate/i);
    });

    test('a custom CA makes it trusted', async () => {
      const repo = openRepo(caches.make(), { url: tls.repoUrl('fleet'), branch: 'main', ca: certificate.cert });
      assert.equal(await repo.sync(), head(`${tls.root}/fleet.git`));
      await repo.close();
    });

    test('a redirect from https to plain http is refused', async () => {
      const redirector = createHttpsServer(certificate, (req, res) => res.writeHead(301, { location: `${server.url}${req.url}` }).end());
      await listenLocal(redirector);
      try {
        const url = `https://127.0.0.1:${(redirector.address() as AddressInfo).port}/fleet.git`;
        const repo = openRepo(caches.make(), { url, branch: 'main', ca: certificate.cert });
        await assert.rejects(repo.sync(), /refused a redirect from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+: it leaves https for http:/);
      } finally {
        redirector.close();
      }
    });
  });
});
