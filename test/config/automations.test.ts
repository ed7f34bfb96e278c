import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, nameFromUrl, parseConfig, soleAutomation } from '../../src/config/load.ts';

const two = `automations:
  - name: shop
    git: { url: https://git.example.com/shop/fleet.git, paths: [apps] }
    interval: 1m
  - name: platform
    git: { url: https://git.example.com/platform/fleet.git, branch: prod }
    cycleTimeout: 90s
registries:
  - { host: registry.internal:5000, insecure: true }
interval: 5m
`;

test('an automations list gives each automation its own settings, defaults from the top level', () => {
  const config = parseConfig(two, 'c.yaml', {});
  assert.deepEqual(
    config.automations.map((a) => [a.name, a.git.branch, a.git.paths, a.interval, a.cycleTimeout, a.field]),
    [
      ['shop', 'main', ['apps'], 60_000, 60_000 + 3 * 120_000, 'automations[0]'],
      ['platform', 'prod', ['.'], 300_000, 90_000, 'automations[1]'],
    ],
  );
  assert.equal(config.registries.length, 1, 'registries are shared at the top level');
});

test('a single git section is one automation named after its repository', () => {
  const config = parseConfig('git: { url: "git@github.com:acme/Fleet-Repo.git" , ssh: { privateKey: { file: k }, knownHosts: { file: h } } }\ninterval: 2m\ncycleTimeout: 3m\n', 'c.yaml', {});
  assert.deepEqual(
    config.automations.map((a) => [a.name, a.interval, a.cycleTimeout, a.field]),
    [['fleet-repo', 120_000, 180_000, 'git']],
  );
});

const NAMES: [string, string][] = [
  ['https://git.example.com/platform/fleet.git', 'fleet'],
  ['https://git.example.com/platform/fleet/', 'fleet'],
  ['git@github.com:acme/My_Repo.git', 'my_repo'],
  ['ssh://git@host:2222/~/deploy.git', 'deploy'],
  ['https://git.example.com/', 'git.example.com'],
];
for (const [url, name] of NAMES) test(`the shorthand's automation for ${url} is named ${name}`, () => assert.equal(nameFromUrl(url), name));

const REFUSED: [string, string, RegExp][] = [
  ['both git and automations', `git: { url: https://h/a.git }\n${two}`, /git: give either git \(one automation\) or automations/],
  ['two automations of one name', 'automations:\n  - { name: a, git: { url: https://h/a.git } }\n  - { name: a, git: { url: https://h/b.git } }\n', /automations\.1\.name: another automation is named "a"/],
  ['an automation name with capitals', 'automations:\n  - { name: Shop, git: { url: https://h/a.git } }\n', /automations\.0\.name: must be a name of lowercase letters/],
  ['a top-level review with automations', 'automations:\n  - { name: a, git: { url: https://h/a.git } }\nreview: { host: agit }\n', /review: with automations, review goes inside each automation/],
  ['an unknown field in an automation', 'automations:\n  - { name: a, git: { url: https://h/a.git }, intervall: 1m }\n', /automations\.0: unknown key "intervall" \(did you mean "interval"\?\)/],
  [
    'two automations on one clone with different credentials',
    'automations:\n  - { name: a, git: { url: https://h/a.git, paths: [x], auth: { password: { env: A } } } }\n  - { name: b, git: { url: https://h/a.git, paths: [y], auth: { password: { env: B } } } }\n',
    /automations\.1\.git: shares https:\/\/h\/a\.git \(main\) with automation "a", whose clone it uses, but sets auth differently/,
  ],
  ['a webhook receiver without its token', 'git: { url: https://h/a.git }\nwebhooks:\n  - { name: hub, kind: dockerhub }\n', /webhooks\.0\.token: a dockerhub receiver needs token: a receiver without a secret is refused/],
  ['an HMAC receiver without its secret', 'git: { url: https://h/a.git }\nwebhooks:\n  - { name: gh, kind: github-packages }\n', /webhooks\.0\.secret: a github-packages receiver needs secret \(the HMAC key it signs with\)/],
  ['a receiver given the wrong kind of secret', 'git: { url: https://h/a.git }\nwebhooks:\n  - { name: gh, kind: github, secret: { env: S }, token: { env: T } }\n', /webhooks\.0\.token: a github receiver authenticates with secret, not token/],
  ['a generic receiver with neither', 'git: { url: https://h/a.git }\nwebhooks:\n  - { name: ci, kind: generic }\n', /a generic receiver needs exactly one of secret \(HMAC\) and token/],
  ['a secret written inline in a receiver', 'git: { url: https://h/a.git }\nwebhooks:\n  - { name: ci, kind: generic, token: s3cret }\n', /webhooks\.0\.token/],
  ['webhooks on the probes port', 'git: { url: https://h/a.git }\nserver: { port: 9000, webhookPort: 9000 }\nwebhooks:\n  - { name: ci, kind: generic, token: { env: T } }\n', /server\.webhookPort: webhookPort must differ from port/],
];
for (const [what, text, message] of REFUSED) {
  test(`${what} is refused at load`, () => {
    assert.throws(
      () => parseConfig(text, 'c.yaml', {}),
      (error: Error) => error instanceof ConfigError && message.test(error.message),
    );
  });
}

test('automations on one repository and branch may share its clone when they connect alike', () => {
  const config = parseConfig('automations:\n  - { name: apps, git: { url: https://h/a.git, paths: [apps] } }\n  - { name: infra, git: { url: https://h/a.git, paths: [infra], author: { name: x, email: x@y } } }\n', 'c.yaml', {});
  assert.equal(config.automations.length, 2);
});

test('a single-automation command takes the only automation, or the one named', () => {
  const config = parseConfig(two, 'c.yaml', {});
  assert.equal(soleAutomation(config, 'platform').git.branch, 'prod');
  assert.throws(() => soleAutomation(config), /c\.yaml: it has 2 automations \(shop, platform\): name one with --automation, or run them all with tagpilot controller/);
  assert.throws(() => soleAutomation(config, 'nope'), /no automation named "nope" \(it has shop, platform\)/);
  assert.equal(soleAutomation(parseConfig('git: { url: https://h/a.git }\n', 'c.yaml', {})).name, 'a');
});

test('the server listens on 8080 for probes and metrics and 8081 for webhooks by default, the status page off', () => {
  assert.deepEqual(parseConfig('git: { url: https://h/a.git }\n', 'c.yaml', {}).server, { address: '0.0.0.0', port: 8080, webhookPort: 8081, status: { enabled: false } });
});

test('verify, notify and onFailure per automation: its own, else the top level', () => {
  const config = parseConfig(
    `automations:
  - name: shop
    git: { url: https://git.example.com/shop/fleet.git }
    verify: { deadline: 5m }
    onFailure: revert
    notify:
      - { name: shop-team, type: slack, url: "https://hooks.example.com/shop" }
  - name: platform
    git: { url: https://git.example.com/platform/fleet.git }
    verify: false
  - name: docs
    git: { url: https://git.example.com/docs/fleet.git }
verify: { deadline: 10m }
notify:
  - { name: all, type: slack, url: "https://hooks.example.com/all", events: [failed] }
`,
    'c.yaml',
    {},
  );
  assert.deepEqual(
    config.automations.map((a) => [a.name, a.verify, a.onFailure, a.notify.map((r) => r.name), a.notifyField]),
    [
      ['shop', { enabled: true, deadline: 300_000 }, 'revert', ['shop-team'], 'automations[0].notify'],
      ['platform', { enabled: false }, 'none', ['all'], 'notify'],
      ['docs', { enabled: true, deadline: 600_000 }, 'none', ['all'], 'notify'],
    ],
  );
  assert.deepEqual(config.automations[0]!.notify[0]!.events, ['updated', 'verified', 'failed', 'reverted']);
});

test('per-automation verify, notify and onFailure are validated like the top-level ones', () => {
  const base = 'automations:\n  - name: shop\n    git: { url: https://git.example.com/shop/fleet.git }\n';
  assert.throws(() => parseConfig(`${base}    verify: { deadline: 1s }\n`, 'c.yaml', {}), /automations\.0\.verify.*between 10s and 24h|between 10s and 24h/);
  assert.throws(() => parseConfig(`${base}    verify: { interval: 5s }\n`, 'c.yaml', {}), /interval/);
  assert.throws(() => parseConfig(`${base}    onFailure: rollback\n`, 'c.yaml', {}), /onFailure/);
  assert.throws(() => parseConfig(`${base}    notify:\n      - { name: a, type: webhook, url: "https://x.example.com/h" }\n`, 'c.yaml', {}), /secret/);
  assert.throws(() => parseConfig(`${base}onFailure: sometimes\n`, 'c.yaml', {}), /onFailure/);
});

test('the status page may trust an authenticating proxy: its header (default X-Forwarded-User) only from the addresses given', () => {
  const parsed = parseConfig('git: { url: https://h/a.git }\nserver: { status: { enabled: true, proxyAuth: { trustedProxies: [10.0.0.0/8, "fd00::/8", 192.0.2.7] } } }\n', 'c.yaml', {});
  assert.deepEqual(parsed.server.status.proxyAuth, { header: 'x-forwarded-user', trustedProxies: ['10.0.0.0/8', 'fd00::/8', '192.0.2.7'] });
  for (const bad of ['10.0.0.0/33', 'fd00::/129', 'proxy.example', '10.0.0.0/8/1', '']) {
    assert.throws(() => parseConfig(`git: { url: https://h/a.git }\nserver: { status: { proxyAuth: { trustedProxies: ["${bad}"] } } }\n`, 'c.yaml', {}), /an address or CIDR/, bad);
  }
  assert.throws(() => parseConfig('git: { url: https://h/a.git }\nserver: { status: { proxyAuth: { trustedProxies: [] } } }\n', 'c.yaml', {}), /trustedProxies/);
});

test('the status page links commits through a template: {commit}, and {path} for each repository', () => {
  const parsed = parseConfig('git: { url: https://h/a.git }\nserver: { status: { commitUrl: "https://github.com/{path}/commit/{commit}" } }\n', 'c.yaml', {});
  assert.equal(parsed.server.status.commitUrl, 'https://github.com/{path}/commit/{commit}');
  assert.throws(() => parseConfig('git: { url: https://h/a.git }\nserver: { status: { commitUrl: "https://github.com/org/fleet" } }\n', 'c.yaml', {}), /holds \{commit\}/);
});

const withFreezes = `automations:
  - name: shop
    git: { url: https://git.example.com/shop/fleet.git }
    freeze: ['Fri 16:00-Mon 08:00 Europe/Berlin']
    onRevert: lock
  - name: platform
    git: { url: https://git.example.com/platform/fleet.git }
  - name: quiet
    git: { url: https://git.example.com/quiet/fleet.git }
    freeze: []
freeze: ['cron(0 22 * * *) for 8h UTC']
onRevert: reject
`;

test("an automation's own freeze and onRevert replace the top-level ones; without them it takes the top level's", () => {
  const config = parseConfig(withFreezes, 'c.yaml', {});
  assert.deepEqual(
    config.automations.map((a) => [a.name, a.freeze, a.onRevert]),
    [
      ['shop', ['Fri 16:00-Mon 08:00 Europe/Berlin'], 'lock'],
      ['platform', ['cron(0 22 * * *) for 8h UTC'], 'reject'],
      ['quiet', [], 'reject'],
    ],
  );
});

test('the shorthand git section takes the top-level freeze and onRevert', () => {
  const config = parseConfig("git: { url: https://git.example.com/shop/fleet.git }\nfreeze: ['2026-12-20 .. 2027-01-04 UTC']\nonRevert: lock\n", 'c.yaml', {});
  assert.deepEqual(
    config.automations.map((a) => [a.freeze, a.onRevert]),
    [[['2026-12-20 .. 2027-01-04 UTC'], 'lock']],
  );
});

const badFreezes: { name: string; text: string; message: RegExp }[] = [
  { name: "an automation's unreadable freeze window", text: "automations:\n  - name: shop\n    git: { url: https://git.example.com/shop/fleet.git }\n    freeze: ['Fri 16:00-Mon']\n", message: /automations\.0\.freeze\.0: / },
  { name: 'a top-level unreadable freeze window', text: "git: { url: https://git.example.com/shop/fleet.git }\nfreeze: ['someday']\n", message: /\bfreeze\.0: / },
  { name: "an automation's unknown onRevert", text: 'automations:\n  - name: shop\n    git: { url: https://git.example.com/shop/fleet.git }\n    onRevert: revert\n', message: /automations\.0\.onRevert: / },
];
for (const c of badFreezes) {
  test(`config: ${c.name} is refused, naming its field`, () => {
    assert.throws(
      () => parseConfig(c.text, 'c.yaml', {}),
      (error) => error instanceof ConfigError && c.message.test(error.message),
    );
  });
}
