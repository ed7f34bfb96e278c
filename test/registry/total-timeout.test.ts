import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TagpilotError } from '../../src/problems/index.ts';
import { ref, testClient } from './helpers.ts';

/** A registry that answers at once and then sends its tag list a byte every 50 ms: never silent, never done. */
let server: Server;
let host: string;

before(async () => {
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => res.write(' '), 50);
    req.socket.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('an answer that trickles on past totalTimeout fails the listing as registry-timeout, though no silence reaches the body timeout', async () => {
  const client = testClient([host], { timeoutMs: 5_000, totalTimeoutMs: 300, retries: 0 });
  try {
    const failed = await client.listTags(ref(`${host}/team/app`)).then(
      () => undefined,
      (error: TagpilotError) => error,
    );
    assert.equal(failed?.code, 'registry-timeout');
  } finally {
    await client.close();
  }
});
