import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newStatus } from '../../src/runtime/index.ts';
import { StatusBoard, statusHandler, type StatusHandler } from '../../src/server/index.ts';
import { runCli } from '../harness/cli.ts';
import { closeServer, listenLocal } from '../harness/ports.ts';

const TOKEN = 'tok-123';
const NOW = new Date('2026-12-01T12:00:00Z');

describe('tagpilot status --server reads the status API', () => {
  let server: Server;
  let handler: StatusHandler;
  let url: string;
  let lying: Server;
  let lyingUrl: string;

  before(async () => {
    const board = new StatusBoard({ now: () => NOW, registries: () => [{ host: 'reg', requests: 3, errors: 0, byStatus: { '200': 3 }, rateLimitWaits: 0, rateLimitWaitMs: 0, listings: { network: 1, cache: 0, shared: 0 } }] });
    board.track({ name: 'fleet', intervalMs: 60_000 }, newStatus());
    board.reporter().cycleEnded({
      automation: 'fleet',
      startedAt: NOW,
      ms: 10,
      report: {
        head: 'h',
        changes: [],
        problems: [],
        locked: ['shop:deployment/db'],
        slots: [{ file: 'apps/db.yaml', line: 3, kind: 'container', workload: 'shop:deployment/db', container: 'db', repository: 'reg/shop/db', current: '1.0.0', policy: 'semver:^1', hold: { kind: 'locked', code: 'locked', reason: 'incident\u001b[31m 42', by: 'ana' } }],
      },
    });
    handler = statusHandler({ source: board, prefix: '/status', token: TOKEN });
    server = createServer(handler);
    url = `http://127.0.0.1:${await listenLocal(server)}/status`;
    lying = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"apiVersion":1,"at":"now","automations":[],"registries":[]}'));
    lyingUrl = `http://127.0.0.1:${await listenLocal(lying)}/`;
  });
  after(async () => {
    handler.close();
    await closeServer(server);
    await closeServer(lying);
  });

  test('a table per automation: each slot, its state and why, control characters made harmless', async () => {
    const { code, out, err } = await runCli(['status', '--server', url], { env: { TAGPILOT_STATUS_TOKEN: TOKEN } });
    assert.deepEqual([code, err], [0, '']);
    assert.match(out, /^fleet: last cycle 2026-12-01T12:00:00.000Z: unchanged\n/);
    assert.match(out, /shop:deployment\/db +db +reg\/shop\/db +1\.0\.0 +- +held: locked +incident\?\[31m 42 by ana\n/);
    assert.match(out, /REGISTRY +REQUESTS +ERRORS +429S +PAUSED UNTIL\nreg +3 +0 +0 +-\n/);
    assert.ok(!out.includes('\u001b'), 'no escape sequence reaches the terminal');
  });

  test('--json prints the document, the token read from --token-file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tagpilot-status-'));
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    const { code, out } = await runCli(['status', '--server', `${url}/`, '--token-file', 'token', '--json'], { cwd: dir });
    assert.equal(code, 0);
    const document = JSON.parse(out) as { apiVersion: number; automations: { slots: { status: string }[] }[] };
    assert.equal(document.apiVersion, 1);
    assert.equal(document.automations[0]?.slots[0]?.status, 'held');
  });

  test('without the token: exit 1, saying a token is wanted and where it is read from', async () => {
    const { code, err } = await runCli(['status', '--server', url]);
    assert.equal(code, 1);
    assert.match(err, /401: the status API wants a token \(TAGPILOT_STATUS_TOKEN or --token-file\)/);
  });

  test('a server that answers with something else than a status document is refused, naming the field', async () => {
    const { code, err } = await runCli(['status', '--server', lyingUrl]);
    assert.equal(code, 1);
    assert.match(err, /a document tagpilot does not read: at /);
  });

  test('a --server that is not an http(s) URL is a usage error', async () => {
    const { code, err } = await runCli(['status', '--server', 'file:///etc/passwd']);
    assert.equal(code, 2);
    assert.match(err, /--server: file: is not http or https/);
  });
});
