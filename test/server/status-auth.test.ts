/**
 * Who may read the status page: a bearer token, and an authenticating proxy's identity header,
 * believed only from the configured proxy addresses (docs/status-page.md#authentication).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import { newStatus } from '../../src/runtime/index.ts';
import { authCheck, type AuthDecision, StatusBoard, statusHandler } from '../../src/server/index.ts';
import { closeServer, listenLocal } from '../harness/ports.ts';

const PROXY = { header: 'X-Forwarded-User', trustedProxies: ['10.0.0.0/8', 'fd00::/8', '192.0.2.7'] };

/** What authCheck reads of a request: its headers and the address it came from. */
function from(remoteAddress: string, headers: Record<string, string> = {}): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

const CASES: { name: string; token?: string; proxy?: boolean; request: IncomingMessage; want: AuthDecision }[] = [
  { name: 'nothing configured: everyone', request: from('203.0.113.9'), want: { ok: true } },
  { name: 'the proxy, with an identity', proxy: true, request: from('10.1.2.3', { 'x-forwarded-user': 'ana@example.com' }), want: { ok: true, who: 'ana@example.com' } },
  { name: 'the proxy from a single trusted address', proxy: true, request: from('192.0.2.7', { 'x-forwarded-user': 'ana' }), want: { ok: true, who: 'ana' } },
  { name: 'the proxy over IPv6', proxy: true, request: from('fd00::12', { 'x-forwarded-user': 'ana' }), want: { ok: true, who: 'ana' } },
  { name: 'the proxy as an IPv4-mapped IPv6 peer', proxy: true, request: from('::ffff:10.0.0.5', { 'x-forwarded-user': 'ana' }), want: { ok: true, who: 'ana' } },
  { name: 'the proxy without an identity', proxy: true, request: from('10.1.2.3'), want: { ok: false, status: 401, message: 'the proxy sent no usable X-Forwarded-User' } },
  { name: 'the proxy with an empty identity', proxy: true, request: from('10.1.2.3', { 'x-forwarded-user': '  ' }), want: { ok: false, status: 401, message: 'the proxy sent no usable X-Forwarded-User' } },
  { name: 'the proxy with an identity past the bound', proxy: true, request: from('10.1.2.3', { 'x-forwarded-user': 'a'.repeat(257) }), want: { ok: false, status: 401, message: 'the proxy sent no usable X-Forwarded-User' } },
  { name: 'an identity header from elsewhere (forged)', proxy: true, request: from('203.0.113.9', { 'x-forwarded-user': 'admin' }), want: { ok: false, status: 403, message: 'X-Forwarded-User is trusted only from the configured proxies' } },
  { name: 'a neighbour of the single trusted address', proxy: true, request: from('192.0.2.8', { 'x-forwarded-user': 'admin' }), want: { ok: false, status: 403, message: 'X-Forwarded-User is trusted only from the configured proxies' } },
  { name: 'elsewhere, nothing sent, no token to try', proxy: true, request: from('203.0.113.9'), want: { ok: false, status: 403, message: 'only the authenticating proxy may send requests' } },
  { name: 'elsewhere, nothing sent, a token would do', token: 't0k', proxy: true, request: from('203.0.113.9'), want: { ok: false, status: 401, message: 'a bearer token is required' } },
  { name: 'elsewhere with the bearer token', token: 't0k', proxy: true, request: from('203.0.113.9', { authorization: 'Bearer t0k' }), want: { ok: true } },
  { name: 'the bearer token is checked even from the proxy', token: 't0k', proxy: true, request: from('10.1.2.3', { authorization: 'Bearer nope', 'x-forwarded-user': 'ana' }), want: { ok: false, status: 401, message: 'the bearer token is not valid' } },
  { name: 'a token alone: the identity header means nothing', token: 't0k', request: from('10.1.2.3', { 'x-forwarded-user': 'ana' }), want: { ok: false, status: 401, message: 'a bearer token is required' } },
];
for (const c of CASES) {
  test(`auth: ${c.name}`, () => {
    const check = authCheck({ ...(c.token === undefined ? {} : { token: c.token }), ...(c.proxy === true ? { proxyAuth: PROXY } : {}) });
    assert.deepEqual(check(c.request), c.want);
  });
}

test('the header name is configurable (X-Auth-Request-Email), in any case', () => {
  const check = authCheck({ proxyAuth: { header: 'X-Auth-Request-Email', trustedProxies: ['10.0.0.0/8'] } });
  assert.deepEqual(check(from('10.0.0.1', { 'x-auth-request-email': 'ana@example.com' })), { ok: true, who: 'ana@example.com' });
  assert.equal(check(from('10.0.0.1', { 'x-forwarded-user': 'ana' })).ok, false);
});

function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('over HTTP: the proxy on 127.0.0.1 is believed and its identity shown escaped; a proxy list without it refuses the same request', async () => {
  const board = new StatusBoard();
  board.track({ name: 'fleet', intervalMs: 60_000 }, newStatus());
  const who = '<b>ana</b>@example.com';
  for (const [trustedProxies, status] of [
    [['127.0.0.0/8'], 200],
    [['10.0.0.0/8'], 403],
  ] as const) {
    const handler = statusHandler({ source: board, proxyAuth: { header: 'X-Forwarded-User', trustedProxies } });
    const server = createServer(handler);
    try {
      const reply = await get(`http://127.0.0.1:${await listenLocal(server)}/`, { 'x-forwarded-user': who });
      assert.equal(reply.status, status, reply.body);
      if (status === 200) assert.ok(reply.body.includes('Signed in as &lt;b&gt;ana&lt;/b&gt;@example.com'), reply.body);
      else assert.doesNotMatch(reply.body, /fleet/);
    } finally {
      handler.close();
      await closeServer(server);
    }
  }
});
