import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gitRepositoryKey, readWebhook, REGISTRY_KINDS, GIT_KINDS, type Hint, type Receiver, type ReceiverKind } from '../../../src/server/index.ts';
import { canonicalRepository, parseImageRef } from '../../../src/image/index.ts';
import { TagpilotError } from '../../../src/problems/index.ts';
import { sign, SECRET, TOKEN } from './helpers.ts';

const KINDS: readonly ReceiverKind[] = [...REGISTRY_KINDS, ...GIT_KINDS];
const HMAC: ReadonlySet<ReceiverKind> = new Set(['github', 'github-packages', 'gitea']);
const receiverOf = (kind: ReceiverKind): Receiver => ({ name: 'r', kind, ...(HMAC.has(kind) ? { secret: SECRET } : { token: TOKEN }) });

/** A request carrying `body` that authenticates to every kind of receiver, with every event header a sender might set. */
function authenticated(body: Buffer, event: string) {
  return {
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'x-gitlab-token': TOKEN,
      'x-hub-signature-256': `sha256=${sign(body)}`,
      'x-gitea-signature': sign(body),
      'x-github-event': event,
      'x-gitea-event': event,
      'x-gitlab-event': event === 'push' ? 'Push Hook' : event,
    },
    pathToken: TOKEN,
    body,
  };
}

const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const registryHost = fc.oneof(
  fc.constantFrom('ghcr.io', 'quay.io', 'docker.io', 'registry.example.com:5000', 'localhost:5000', '127.0.0.1:5000'),
  word.map((w) => `${w}.example`),
);
const repository = fc.array(word, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));

/** JSON that looks like the senders' payloads: the keys they use, with values of any kind. */
const KEYS = [
  'events',
  'action',
  'target',
  'repository',
  'tag',
  'request',
  'host',
  'type',
  'event_data',
  'resources',
  'resource_url',
  'repo_full_name',
  'repo_name',
  'push_data',
  'docker_url',
  'registry_package',
  'package',
  'package_version',
  'package_url',
  'name',
  'namespace',
  'package_type',
  'ref',
  'clone_url',
  'ssh_url',
  'object_kind',
  'project',
  'git_http_url',
  'git_ssh_url',
];
const payloadLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('push', 'PUSH_ARTIFACT', 'published', 'container', 'refs/heads/main', 'refs/heads/a..b', 'team/app', 'Team/App', 'quay.io/o/r', 'ghcr.io/o/r:1', '', '../x', 'git@h:o/r.git'),
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    tie('object'),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
  object: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 6 }),
})).object;

function wellFormed(hint: Hint): void {
  if (hint.kind === 'repository') {
    // What the sink gets is canonical and names a repository as a reference would.
    const ref = parseImageRef(`${hint.host}/${hint.repository}`);
    assert.equal(canonicalRepository(ref), `${hint.host}/${hint.repository}`);
    assert.equal(ref.tag, undefined);
    return;
  }
  assert.ok(hint.urls.length > 0);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a ref may not hold
  assert.ok(hint.branch.length > 0 && !/[\s\x00-\x1f~^:?*[\\]|\.\./.test(hint.branch), hint.branch);
  for (const url of hint.urls) assert.ok(!/\s/.test(url) && url.length <= 2048);
}

/** Reads every generated payload; counts the hints, each checked well-formed. */
function readerProperty(count: (hints: number) => void) {
  return fc.property(fc.constantFrom(...KINDS), payloadLike, fc.constantFrom('push', 'registry_package', 'package', 'ping'), (kind, payload, event) => {
    const body = Buffer.from(JSON.stringify(payload));
    try {
      for (const hint of readWebhook(receiverOf(kind), authenticated(body, event))) {
        wellFormed(hint);
        count(1);
      }
    } catch (error) {
      assert.ok(error instanceof TagpilotError && error.code === 'webhook-payload-invalid', String(error));
    }
  });
}

test('for any JSON shaped like a sender’s, every reader either gives well-formed hints or a coded problem, never a crash', () => {
  fc.assert(
    readerProperty(() => undefined),
    { numRuns: 3_000 },
  );
});

test('the payload generator reaches payloads that give hints (a fixed seed, so the property above is not vacuous)', () => {
  let hints = 0;
  fc.assert(
    readerProperty((n) => (hints += n)),
    { numRuns: 3_000, seed: 1 },
  );
  assert.ok(hints > 0, 'the generator reaches payloads that give hints');
});

test('for any bytes, a reader refuses with a coded problem or reads hints, never crashes', () => {
  fc.assert(
    fc.property(fc.constantFrom(...KINDS), fc.uint8Array({ maxLength: 300 }), (kind, bytes) => {
      try {
        readWebhook(receiverOf(kind), authenticated(Buffer.from(bytes), 'push'));
      } catch (error) {
        assert.ok(error instanceof TagpilotError, String(error));
      }
    }),
  );
});

test('a Distribution push of any repository on any host gives exactly that repository, canonical', () => {
  fc.assert(
    fc.property(registryHost, repository, fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/), (host, path, tag) => {
      const body = Buffer.from(JSON.stringify({ events: [{ action: 'push', target: { repository: path, tag }, request: { host } }] }));
      const hints = readWebhook(receiverOf('distribution'), authenticated(body, 'push'));
      assert.deepEqual(hints, [{ kind: 'repository', host: host === 'docker.io' ? 'docker.io' : host, repository: host === 'docker.io' && !path.includes('/') ? `library/${path}` : path }]);
    }),
  );
});

test('any change to a signed body, or to its signature, is refused', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (bytes, at, flip, inSignature) => {
      const body = Buffer.from(bytes);
      const signature = Buffer.from(sign(body), 'hex');
      const target = inSignature ? signature : body;
      const copy = Buffer.from(target);
      copy[at % copy.length]! ^= flip;
      const request = { headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${(inSignature ? copy : signature).toString('hex')}` }, body: inSignature ? body : copy };
      assert.throws(
        () => readWebhook(receiverOf('github'), request),
        (e) => e instanceof TagpilotError && e.code === 'webhook-unauthorized',
      );
    }),
  );
});

test('the HTTPS, scp-like and ssh:// URLs of one repository have one key; another repository has another', () => {
  const host = fc.oneof(
    fc.constantFrom('github.com', 'gitlab.example.com', 'git.example.com'),
    word.map((w) => `${w}.example`),
  );
  fc.assert(
    fc.property(host, repository, fc.boolean(), fc.integer({ min: 1, max: 65_535 }), repository, (h, path, dotGit, port, other) => {
      const suffix = dotGit ? '.git' : '';
      const forms = [`https://${h}/${path}${suffix}`, `http://${h}:${port}/${path}`, `git@${h}:${path}${suffix}`, `ssh://git@${h}:${port}/${path}${suffix}`, `https://${h.toUpperCase()}/${path}/`];
      const keys = new Set(forms.map(gitRepositoryKey));
      assert.deepEqual([...keys], [`${h}/${path}`]);
      if (other !== path) assert.notEqual(gitRepositoryKey(`https://${h}/${other}.git`), `${h}/${path}`);
    }),
  );
});
