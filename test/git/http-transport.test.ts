import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { GitError } from '../../src/git/remote.ts';
import { selfSignedCert, startGitServer, type GitServer } from '../harness/git-server.ts';
import { createBareRepo } from '../harness/git-repos.ts';
import { cacheDirs, head, openRepo } from './fixtures.ts';
import { listenLocal } from '../harness/ports.ts';

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
    assert.deepEqual(server.exchanges.slice(start).map((e) => e.status), [200, 200]);
  });

  test('a wrong token fails with the status, and the error never shows the token', async () => {
    createBareRepo(server.root, 'wrong', files);
    const repo = openRepo(caches.make(), { url: server.repoUrl('wrong'), branch: 'main', auth: { username: 'x-access-token', password: 'nope-SECRET' } });
    await assert.rejects(repo.sync(), (error: Error) => error instanceof GitError && /401/.test(error.message) && !error.message.includes('SECRET'));
  });

  test('a redirect to another host is followed without the credentials', async () => {
    createBareRepo(server.root, 'moved', files);
    const redirector: Server = createServer((req, res) => res.writeHead(307, { location: `${server.url}${req.url}` }).end());
    await listenLocal(redirector);
    try {
      const start = server.exchanges.length;
      const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/moved.git`;
      const repo = openRepo(caches.make(), { url, branch: 'main', auth: { username: 'x-access-token', password: TOKEN } });
      await assert.rejects(repo.sync(), (error: Error) => /401/.test(error.message) && !error.message.includes(TOKEN));
      const reached = server.exchanges.slice(start);
      assert.ok(reached.length > 0);
      assert.ok(reached.every((e) => e.authorization === undefined));
    } finally {
      redirector.close();
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
        await assert.rejects(repo.sync(), /refused a redirect from https to http:/);
      } finally {
        redirector.close();
      }
    });
  });
});
