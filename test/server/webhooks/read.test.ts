import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readWebhook, type Hint, type Receiver, type ReceiverKind } from '../../../src/server/index.ts';
import { errorCode } from '../../../src/problems/index.ts';
import { docExamples, sign, SECRET, TOKEN } from './helpers.ts';

const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
const examples = docExamples();

/** A doc example's body with `edit` applied, re-signed for `receiver`, as the pure reader sees it. */
function request(example: string, receiver: Receiver, edit: (body: Record<string, unknown>) => void = () => {}, headerEdit: Record<string, string | undefined> = {}) {
  const { headers, body, path } = examples.get(example)!;
  const parsed = JSON.parse(body) as Record<string, unknown>;
  edit(parsed);
  const text = JSON.stringify(parsed);
  const all: Record<string, string | undefined> = { ...lower(headers), ...headerEdit };
  if (receiver.secret !== undefined) {
    for (const name of ['x-hub-signature-256', 'x-gitea-signature', 'x-forgejo-signature']) if (all[name] !== undefined) all[name] = name === 'x-hub-signature-256' ? `sha256=${sign(text, receiver.secret)}` : sign(text, receiver.secret);
  }
  const pathToken = path.split('/')[3];
  return { headers: all, body: Buffer.from(text), ...(pathToken === undefined ? {} : { pathToken: decodeURIComponent(pathToken) }) };
}

const receiverOf = (kind: ReceiverKind, extra: Partial<Receiver> = {}): Receiver => ({ name: 'r', kind, ...(['github', 'gitea', 'github-packages'].includes(kind) ? { secret: SECRET } : { token: TOKEN }), ...extra });
const repo = (host: string, repository: string): Hint => ({ kind: 'repository', host, repository });
// biome-ignore lint/suspicious/noExplicitAny: the edits reach into nested JSON of many shapes
type Body = Record<string, any>;

/** Per source: what a payload variant gives. The doc example itself is covered by docs.test.ts. */
const CASES: { name: string; kind: ReceiverKind; example: string; receiver?: Partial<Receiver>; edit?: (b: Body) => void; headers?: Record<string, string | undefined>; hints: Hint[] }[] = [
  { name: 'a pull is no hint', kind: 'distribution', example: 'distribution', edit: (b) => (b.events[0].action = 'pull'), hints: [] },
  { name: 'a delete is no hint', kind: 'distribution', example: 'distribution', edit: (b) => (b.events[0].action = 'delete'), hints: [] },
  { name: 'a blob or a manifest pushed by digest (no tag) is no hint', kind: 'distribution', example: 'distribution', edit: (b) => delete b.events[0].target.tag, hints: [] },
  { name: 'registry replaces the host the pusher used', kind: 'distribution', example: 'distribution', receiver: { registry: 'registry.internal:5000' }, hints: [repo('registry.internal:5000', 'team/app')] },
  {
    name: 'an envelope of several events gives each pushed tag',
    kind: 'distribution',
    example: 'distribution',
    edit: (b) => b.events.push({ ...b.events[0], target: { ...b.events[0].target, repository: 'team/worker' } }),
    hints: [repo('registry.example.com:5000', 'team/app'), repo('registry.example.com:5000', 'team/worker')],
  },
  { name: 'a repository no reference can name is dropped', kind: 'distribution', example: 'distribution', edit: (b) => (b.events[0].target.repository = 'Team/App'), hints: [] },
  { name: 'a host no reference can name is dropped', kind: 'distribution', example: 'distribution', edit: (b) => (b.events[0].request.host = 'registry'), hints: [] },
  { name: 'no host and no registry is no hint', kind: 'gitlab-registry', example: 'gitlab-registry', edit: (b) => delete b.events[0].request, hints: [] },
  { name: 'a pulled artifact is no hint', kind: 'harbor', example: 'harbor', edit: (b) => (b.type = 'PULL_ARTIFACT'), hints: [] },
  { name: 'registry replaces the host of the resource URL', kind: 'harbor', example: 'harbor', receiver: { registry: 'core.harbor.internal' }, hints: [repo('core.harbor.internal', 'shop/web')] },
  { name: 'a resource URL without a host is no hint (not Docker Hub)', kind: 'harbor', example: 'harbor', edit: (b) => (b.event_data.resources[0].resource_url = 'shop/web:1.4.2'), hints: [] },
  { name: 'an official image is under library/', kind: 'dockerhub', example: 'dockerhub', edit: (b) => (b.repository.repo_name = 'nginx'), hints: [repo('docker.io', 'library/nginx')] },
  { name: 'an on-premises Quay is its own host', kind: 'quay', example: 'quay', edit: (b) => (b.docker_url = 'quay.internal.example:8443/examplecorp/web'), hints: [repo('quay.internal.example:8443', 'examplecorp/web')] },
  { name: 'a package of another ecosystem is no hint', kind: 'github-packages', example: 'github-packages', edit: (b) => (b.registry_package.package_type = b.registry_package.ecosystem = 'NPM'), hints: [] },
  { name: 'a ping is no hint', kind: 'github-packages', example: 'github-packages', headers: { 'x-github-event': 'ping' }, hints: [] },
  { name: 'without package_url, the owner and name, lower-cased', kind: 'github-packages', example: 'github-packages', edit: (b) => delete b.registry_package.package_version.package_url, hints: [repo('ghcr.io', 'examplecorp/web')] },
  {
    name: 'the newer package event',
    kind: 'github-packages',
    example: 'github-packages',
    headers: { 'x-github-event': 'package' },
    edit: (b) => {
      b.package = b.registry_package;
      delete b.registry_package;
    },
    hints: [repo('ghcr.io', 'examplecorp/web')],
  },
  { name: 'a reference without a host is Docker Hub', kind: 'generic', example: 'generic', edit: (b) => (b.repository = 'nginx'), hints: [repo('docker.io', 'library/nginx')] },
  { name: 'registry is the host of a reference', kind: 'generic', example: 'generic', receiver: { registry: 'registry.example.com' }, edit: (b) => (b.repository = 'team/app'), hints: [repo('registry.example.com', 'team/app')] },
  { name: 'a repository that is no reference is dropped', kind: 'generic', example: 'generic', edit: (b) => (b.repository = '../../etc/passwd'), hints: [] },
  { name: 'a tag push is no hint', kind: 'github', example: 'github', edit: (b) => (b.ref = 'refs/tags/v1.0.0'), hints: [] },
  { name: 'a ping is no hint', kind: 'github', example: 'github', headers: { 'x-github-event': 'ping' }, hints: [] },
  { name: 'a branch no ref can name is dropped', kind: 'github', example: 'github', edit: (b) => (b.ref = 'refs/heads/a..b'), hints: [] },
  { name: 'URLs that are no Git URL are dropped, the others kept', kind: 'github', example: 'github', edit: (b) => (b.repository = { clone_url: 'https://github.com/o/r.git', ssh_url: 'not a url', html_url: 'javascript:alert(1)' }), hints: [{ kind: 'git', urls: ['https://github.com/o/r.git'], branch: 'main' }] },
  { name: 'a tag push hook is no hint', kind: 'gitlab', example: 'gitlab', headers: { 'x-gitlab-event': 'Tag Push Hook' }, edit: (b) => (b.object_kind = 'tag_push'), hints: [] },
  { name: 'a system hook push', kind: 'gitlab', example: 'gitlab', headers: { 'x-gitlab-event': 'System Hook' }, hints: [{ kind: 'git', urls: ['https://gitlab.example.com/platform/fleet.git', 'git@gitlab.example.com:platform/fleet.git', 'https://gitlab.example.com/platform/fleet'], branch: 'main' }] },
  {
    name: 'a branch with slashes',
    kind: 'gitea',
    example: 'gitea',
    edit: (b) => (b.ref = 'refs/heads/release/2026.12'),
    hints: [{ kind: 'git', urls: ['https://git.example.com/platform/fleet.git', 'ssh://git@git.example.com:2222/platform/fleet.git', 'https://git.example.com/platform/fleet'], branch: 'release/2026.12' }],
  },
  { name: 'a create event is no hint', kind: 'gitea', example: 'gitea', headers: { 'x-gitea-event': 'create', 'x-forgejo-event': 'create', 'x-github-event': 'create' }, hints: [] },
];

describe('reading each source', () => {
  for (const c of CASES) {
    test(`${c.kind}: ${c.name}`, () => {
      const receiver = receiverOf(c.kind, c.receiver);
      assert.deepEqual(readWebhook(receiver, request(c.example, receiver, c.edit, c.headers)), c.hints);
    });
  }
});

const KINDS: ReceiverKind[] = ['distribution', 'gitlab-registry', 'harbor', 'dockerhub', 'quay', 'github-packages', 'generic', 'github', 'gitlab', 'gitea'];
const EXAMPLE_OF: Record<ReceiverKind, string> = { distribution: 'distribution', 'gitlab-registry': 'gitlab-registry', harbor: 'harbor', dockerhub: 'dockerhub', quay: 'quay', 'github-packages': 'github-packages', generic: 'generic', github: 'github', gitlab: 'gitlab', gitea: 'gitea' };

describe('authentication, per kind', () => {
  for (const kind of KINDS) {
    const good = receiverOf(kind);
    const wrong: Receiver = good.secret !== undefined ? { ...good, secret: `${SECRET}x` } : { ...good, token: `${TOKEN}x` };
    test(`${kind}: the right ${good.secret !== undefined ? 'signature' : 'token'} is accepted, a wrong one refused`, () => {
      const req = request(EXAMPLE_OF[kind], good);
      assert.ok(readWebhook(good, req).length > 0);
      assert.throws(
        () => readWebhook(wrong, req),
        (e) => errorCode(e) === 'webhook-unauthorized',
      );
    });
    test(`${kind}: a request with nothing to show is refused`, () => {
      const req = request(EXAMPLE_OF[kind], good);
      const bare = { headers: { 'content-type': 'application/json', 'x-github-event': req.headers['x-github-event'], 'x-gitlab-event': req.headers['x-gitlab-event'] }, body: req.body };
      assert.throws(
        () => readWebhook(good, bare),
        (e) => errorCode(e) === 'webhook-unauthorized',
      );
    });
  }

  test('a body changed after signing is refused', () => {
    const receiver = receiverOf('github');
    const req = request('github', receiver);
    assert.throws(
      () => readWebhook(receiver, { ...req, body: Buffer.from(req.body.toString().replace('main', 'mail')) }),
      (e) => errorCode(e) === 'webhook-unauthorized',
    );
  });

  test('a header sent twice proves nothing', () => {
    const receiver = receiverOf('harbor');
    const req = request('harbor', receiver);
    assert.throws(
      () => readWebhook(receiver, { ...req, headers: { ...req.headers, authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] } }),
      (e) => errorCode(e) === 'webhook-unauthorized',
    );
  });

  test('a generic receiver with a secret takes a GitHub-style signature, and no token', () => {
    const receiver: Receiver = { name: 'ci', kind: 'generic', secret: SECRET };
    const body = Buffer.from('{"repository":"registry.example.com/team/app"}');
    assert.deepEqual(readWebhook(receiver, { headers: { 'x-hub-signature-256': `sha256=${sign(body)}` }, body }), [repo('registry.example.com', 'team/app')]);
    assert.throws(
      () => readWebhook(receiver, { headers: { authorization: `Bearer ${SECRET}` }, body }),
      (e) => errorCode(e) === 'webhook-unauthorized',
    );
  });

  test('an authenticated body that is not JSON, or not the sender’s JSON, is invalid (400), not unauthorised', () => {
    const receiver = receiverOf('distribution');
    assert.throws(
      () => readWebhook(receiver, { headers: { authorization: TOKEN }, body: Buffer.from('not json') }),
      (e) => errorCode(e) === 'webhook-payload-invalid',
    );
    assert.throws(
      () => readWebhook(receiver, { headers: { authorization: TOKEN }, body: Buffer.from('{"events": "push"}') }),
      (e) => errorCode(e) === 'webhook-payload-invalid',
    );
  });
});
