import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { MemoryCounters, nudge, repositoryUrls, type Push } from '../../src/kube/index.ts';
import { closedPort, closeServer, listenLocal } from '../harness/ports.ts';
import { silent } from './double.ts';

const push: Push = { repository: 'ssh://git@git.example.com/platform/fleet.git', branch: 'main', before: 'a'.repeat(40), after: 'b'.repeat(40), files: ['apps/web.yaml'] };
const ARGO_SECRET = 'argo-webhook-secret';
const FLUX_TOKEN = 'flux-receiver-token';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let server: Server;
let base = '';
const received: Received[] = [];
let answer = 204;

function signed(header: string | string[] | undefined, algorithm: string, secret: string, body: string): boolean {
  const expected = Buffer.from(`${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`);
  const got = Buffer.from(String(header ?? ''));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

before(async () => {
  // Checks what Argo CD's /api/webhook and Flux's Receivers check, and answers as they do.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url === '/api/webhook' && !signed(req.headers['x-hub-signature-256'], 'sha256', ARGO_SECRET, body)) return res.writeHead(400).end('webhook signature mismatch');
      if (req.url === '/hook/hmac' && !signed(req.headers['x-signature'], 'sha256', FLUX_TOKEN, body)) return res.writeHead(401).end();
      res.writeHead(answer).end();
    });
  });
  base = `http://127.0.0.1:${await listenLocal(server)}`;
});
after(() => closeServer(server));

test('nudge: Argo CD gets a GitHub push event on /api/webhook, signed with its webhook secret, naming the repository the way Applications do', async () => {
  received.length = 0;
  const counters = new MemoryCounters();
  await nudge([{ kind: 'argocd', url: base, secret: ARGO_SECRET }], push, { log: silent, counters });
  const [r] = received;
  assert.equal(r?.path, '/api/webhook');
  assert.equal(r?.headers['x-github-event'], 'push');
  const payload = JSON.parse(r!.body);
  assert.equal(payload.ref, 'refs/heads/main');
  assert.equal(payload.after, push.after);
  assert.deepEqual(payload.repository, { html_url: 'https://git.example.com/platform/fleet', clone_url: 'https://git.example.com/platform/fleet.git', ssh_url: 'git@git.example.com:platform/fleet.git', default_branch: 'main' });
  assert.deepEqual(payload.commits[0].modified, ['apps/web.yaml']);
  assert.equal(counters.get('tagpilot_nudges_total', { target: 'argocd', outcome: 'ok' }), 1);
});

test("nudge: a Flux generic Receiver is POSTed to its URL, nothing more; generic-hmac is signed with the Receiver's token", async () => {
  received.length = 0;
  const counters = new MemoryCounters();
  await nudge(
    [
      { kind: 'flux', url: `${base}/hook/generic`, type: 'generic' },
      { kind: 'flux', url: `${base}/hook/hmac`, type: 'generic-hmac', token: FLUX_TOKEN },
    ],
    push,
    { log: silent, counters },
  );
  assert.deepEqual(received.map((r) => r.path).sort(), ['/hook/generic', '/hook/hmac']);
  assert.equal(received.find((r) => r.path === '/hook/generic')?.body, '{}');
  assert.equal(counters.get('tagpilot_nudges_total', { target: 'flux', outcome: 'ok' }), 2);
});

test('nudge: a wrong secret, a server error or no server at all is counted and logged, never thrown', async () => {
  const counters = new MemoryCounters();
  const lines: string[] = [];
  const log = { ...silent, warn: (_o: object, m: string) => lines.push(m) } as unknown as typeof silent;
  answer = 500;
  await nudge(
    [
      { kind: 'argocd', url: base, secret: 'not-the-secret' },
      { kind: 'flux', url: `${base}/hook/generic`, type: 'generic' },
      { kind: 'flux', url: `http://127.0.0.1:${await closedPort()}/hook/x`, type: 'generic' },
    ],
    push,
    { log, counters },
  );
  answer = 204;
  assert.equal(counters.get('tagpilot_nudges_total', { target: 'argocd', outcome: 'failed' }), 1);
  assert.equal(counters.get('tagpilot_nudges_total', { target: 'flux', outcome: 'failed' }), 2);
  assert.equal(lines.length, 3);
  assert.ok(
    lines.every((l) => !l.includes('not-the-secret')),
    'no secret in the log',
  );
});

const urls: [string, string][] = [
  ['https://github.com/acme/fleet.git', 'git@github.com:acme/fleet.git'],
  ['https://x-access-token@github.com/acme/fleet', 'git@github.com:acme/fleet.git'],
  ['git@gitlab.example.com:group/sub/fleet.git', 'git@gitlab.example.com:group/sub/fleet.git'],
  ['ssh://git@git.example.com:2222/platform/fleet.git', 'git@git.example.com:platform/fleet.git'],
];
for (const [url, ssh] of urls)
  test(`nudge: ${url} is named ${ssh} over SSH, and over https without credentials`, () => {
    const u = repositoryUrls(url);
    assert.equal(u.ssh, ssh);
    assert.doesNotMatch(u.web, /@/);
  });
