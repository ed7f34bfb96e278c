import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { SlotState } from '../../src/automation/index.ts';
import { ControllerState, newStatus } from '../../src/runtime/index.ts';
import { STATUS_DOCUMENT, StatusBoard, statusHandler, type StatusHandler } from '../../src/server/index.ts';
import { closeServer, listenLocal } from '../harness/ports.ts';

const HOSTILE = `<script>alert(1)</script>" onmouseover="x'`;
const NOW = new Date('2026-12-01T12:00:00Z');
const SLOTS: SlotState[] = [
  { file: 'apps/db.yaml', line: 17, kind: 'container', workload: `shop:deployment/${HOSTILE}`, container: 'db', repository: 'reg/shop/db', current: '1.0.0', policy: 'semver:^1', hold: { kind: 'locked', code: 'locked', reason: HOSTILE, by: HOSTILE } },
  { file: 'apps/web.yaml', line: 12, kind: 'container', workload: 'shop:deployment/web', container: 'web', repository: 'reg/shop/web', current: '1.0.0', candidate: '1.1.0', policy: 'semver:^1' },
];

/** A board with one automation whose last cycle read SLOTS and committed web 1.1.0. */
function board(): StatusBoard {
  // The registry's counts come in through the observer the controller gives the registry client.
  const state = new ControllerState('tagpilot.yaml');
  const observer = state.registryObserver();
  for (const status of [401, 200, 429, 200] as const) observer.request?.('reg', 'tags', status);
  observer.rateLimited?.('reg', NOW.getTime() + 30_000);
  const b = new StatusBoard({ now: () => NOW, registries: () => state.registries.values() });
  const status = newStatus();
  b.track({ name: 'fleet', intervalMs: 60_000, repository: 'https://git.example/fleet.git', branch: 'main', commitUrl: 'https://git.example/fleet/commit/{commit}' }, status);
  const commit = 'a'.repeat(40);
  b.reporter().cycleEnded({
    automation: 'fleet',
    startedAt: new Date(NOW.getTime() - 5_000),
    ms: 120,
    report: { head: 'b'.repeat(40), commit, changes: [{ file: 'apps/web.yaml', line: 12, kind: 'container', workload: 'shop:deployment/web', container: 'web', repository: 'reg/shop/web', from: '1.0.0', to: '1.1.0', policy: 'semver:^1' }], problems: [], locked: [], slots: SLOTS },
  });
  return b;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the status handler, mounted on /status', () => {
  let server: Server;
  let handler: StatusHandler;
  let base: string;
  let source: StatusBoard;

  before(async () => {
    source = board();
    handler = statusHandler({ source, prefix: '/status', token: 's3cret', coalesceMs: 10 });
    server = createServer(handler);
    base = `http://127.0.0.1:${await listenLocal(server)}/status/`;
  });
  after(async () => {
    handler.close();
    await closeServer(server);
  });
  const auth = { authorization: 'Bearer s3cret' };

  const refusals: { name: string; path: string; method?: string; headers?: Record<string, string>; status: number }[] = [
    { name: 'no token', path: '', status: 401 },
    { name: 'a wrong token', path: '', headers: { authorization: 'Bearer s3cres' }, status: 401 },
    { name: 'a token of another scheme', path: '', headers: { authorization: 'Basic s3cret' }, status: 401 },
    { name: 'a POST', path: 'api/v1/status', method: 'POST', headers: auth, status: 405 },
    { name: 'an unknown path', path: 'api/v1/secrets', headers: auth, status: 404 },
    { name: 'a URL longer than 2048', path: `?q=${'x'.repeat(2100)}`, headers: auth, status: 414 },
  ];
  for (const r of refusals) {
    test(`${r.name} gets ${r.status}`, async () => {
      const reply = await get(base + r.path, r);
      assert.equal(reply.status, r.status, reply.body);
      assert.doesNotMatch(reply.body, /fleet/, 'nothing about the automations');
    });
  }

  test('a 401 says which scheme it wants', async () => {
    assert.equal((await get(base)).headers['www-authenticate'], 'Bearer realm="tagpilot"');
  });

  test('the prefix without its slash redirects to it; paths outside the prefix are not served', async () => {
    const redirect = await get(base.slice(0, -1), { headers: auth });
    assert.deepEqual([redirect.status, redirect.headers.location], [308, '/status/']);
    assert.equal((await get(base.replace('/status/', '/'), { headers: auth })).status, 404);
  });

  test('the page carries a nonce CSP that allows nothing from elsewhere, and no-sniff and no-store', async () => {
    const reply = await get(base, { headers: auth });
    assert.equal(reply.status, 200);
    const csp = String(reply.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce !== undefined, csp);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    assert.equal(reply.body.match(new RegExp(`nonce="${nonce.replace(/[+/=]/g, '\\$&')}"`, 'g'))?.length, 2, 'the style and the script');
    assert.deepEqual([reply.headers['x-content-type-options'], reply.headers['cache-control']], ['nosniff', 'no-store']);
    assert.notEqual(/'nonce-([^']+)'/.exec(String((await get(base, { headers: auth })).headers['content-security-policy']))?.[1], nonce, 'a new nonce per response');
  });

  test('text from Git and from the query is escaped, in content and in attributes', async () => {
    const { body } = await get(base, { headers: auth });
    assert.ok(!body.includes(HOSTILE), 'never as written');
    assert.ok(!body.includes('<script>alert'), 'no script from the data');
    assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;x&#39;'), 'escaped in the reason');
    const searched = (await get(`${base}?q=${encodeURIComponent(HOSTILE)}`, { headers: auth })).body;
    assert.ok(searched.includes('value="&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;x&#39;"'), 'the search text, escaped inside its attribute');
  });

  test("the fragment is the page's <main> alone", async () => {
    const { status, body } = await get(`${base}fragment`, { headers: auth });
    assert.equal(status, 200);
    assert.match(body, /^<main id="status" data-at="2026-12-01T12:00:00.000Z">/);
    assert.match(body, /<\/main>$/);
  });

  test('without script the filter is a GET: the page lists only the slots that match', async () => {
    const all = await get(base, { headers: auth });
    assert.equal(all.body.match(/<tr data-status=/g)?.length, 2);
    const held = await get(`${base}?q=&show=held`, { headers: auth });
    assert.equal(held.body.match(/<tr data-status=/g)?.length, 1);
    assert.match(held.body, /<option value="held" selected>/);
    const search = await get(`${base}fragment?q=WEB`, { headers: auth });
    assert.deepEqual(search.body.match(/<tr data-status="[^"]+"/g), ['<tr data-status="updated"']);
    assert.match(search.body, /1 slots do not match the filter/);
  });

  test('the JSON API is the snapshot as its schema describes it, each slot with its status', async () => {
    const reply = await get(`${base}api/v1/status`, { headers: auth });
    assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
    const document = STATUS_DOCUMENT.parse(JSON.parse(reply.body));
    assert.equal(document.at, '2026-12-01T12:00:00.000Z');
    const [fleet] = document.automations;
    assert.deepEqual(
      fleet?.slots.map((s) => [s.workload, s.status, s.hold?.kind]),
      [
        [`shop:deployment/${HOSTILE}`, 'held', 'locked'],
        ['shop:deployment/web', 'updated', undefined],
      ],
    );
    assert.equal(fleet?.last?.result, 'committed');
    assert.equal(fleet?.history[0]?.to, '1.1.0');
    assert.deepEqual(document.registries, [{ host: 'reg', requests: 4, errors: 1, rateLimited: 1, pausedUntil: '2026-12-01T12:00:30.000Z' }]);
  });

  test('HEAD answers the headers without a body', async () => {
    const reply = await get(`${base}api/v1/status`, { method: 'HEAD', headers: auth });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '');
    assert.ok(Number(reply.headers['content-length']) > 100);
  });

  test('the event stream says "change" once for a burst of changes', async () => {
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request(`${base}events`, { headers: auth }, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
        res.on('data', (chunk: Buffer) => {
          events.push(
            ...chunk
              .toString()
              .split('\n\n')
              .filter((e) => e.startsWith('event:')),
          );
          if (events.length > 0)
            setTimeout(() => {
              req.destroy();
              resolve();
            }, 100);
        });
        for (let i = 0; i < 5; i++) source.changed();
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(events.length, 1, events.join('|'));
    assert.match(events[0]!, /^event: change\ndata: 20\d\d-/);
  });
});

test('past maxStreams an event stream gets 503, and close() ends the open ones', async () => {
  const handler = statusHandler({ source: board(), maxStreams: 1 });
  const server = createServer(handler);
  const base = `http://127.0.0.1:${await listenLocal(server)}/`;
  try {
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(`${base}events`, (res) => {
        res.resume();
        res.on('end', resolve);
        get(`${base}events`).then((second) => {
          assert.equal(second.status, 503);
          handler.close();
        }, reject);
      });
      req.on('error', reject);
      req.end();
    });
    await ended;
  } finally {
    await closeServer(server);
  }
});

test('without a token everyone may read', async () => {
  const handler = statusHandler({ source: board() });
  const server = createServer(handler);
  try {
    const reply = await get(`http://127.0.0.1:${await listenLocal(server)}/api/v1/status`);
    assert.equal(reply.status, 200);
  } finally {
    handler.close();
    await closeServer(server);
  }
});

test('the JSON API example in docs/status-page.md is a document the schema reads', () => {
  const doc = readFileSync(new URL('../../docs/status-page.md', import.meta.url), 'utf8');
  const example = /## JSON API[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example !== undefined, 'a json block under "## JSON API"');
  const parsed = STATUS_DOCUMENT.parse(JSON.parse(example));
  assert.deepEqual(
    parsed.automations[0]?.slots.map((s) => s.status),
    ['updated', 'pending', 'held'],
  );
});
