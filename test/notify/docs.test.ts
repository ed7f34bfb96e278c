import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/index.ts';
import { DEFAULT_TEMPLATES, payload, render, signature, type NotifyEvent } from '../../src/notify/index.ts';

const minimal = 'git:\n  url: https://git.example.com/fleet.git\n';
const block = (file: string, tag: string) => {
  const text = readFileSync(file, 'utf8').match(new RegExp(`\`\`\`${tag}\\n([\\s\\S]*?)\\n\`\`\``))?.[1];
  assert.ok(text, `${file} has a ${tag} block`);
  return text;
};

test('docs/verification.md: the verify example is valid config', () => {
  const config = parseConfig(`${minimal}${block('docs/verification.md', 'yaml config-verify')}`, 'docs/verification.md', {});
  assert.deepEqual(config.verify, { deadline: 600_000, interval: 10_000, maxConcurrent: 20 });
});

test('docs/notifications.md: the notify example is valid config, with the defaults it states', () => {
  const config = parseConfig(`${minimal}${block('docs/notifications.md', 'yaml config-notify')}`, 'docs/notifications.md', {});
  assert.deepEqual(
    config.notify?.map((r) => `${r.name} ${r.type} ${r.events.join(',')} ${r.perMinute}`),
    ['team slack updated,verified,failed,reverted 20', 'oncall teams failed 20', 'audit webhook updated,verified,failed,held-back 60'],
  );
});

test('config: a webhook route without its HMAC secret is refused, and so are two routes of one name', () => {
  assert.throws(() => parseConfig(`${minimal}notify:\n  - { name: a, type: webhook, url: "https://x.example.com/h" }\n`, 'c.yaml', {}), /secret/);
  assert.throws(() => parseConfig(`${minimal}notify:\n  - { name: a, type: slack, url: "https://x.example.com/h" }\n  - { name: a, type: slack, url: "https://y.example.com/h" }\n`, 'c.yaml', {}), /unique/);
  assert.throws(() => parseConfig(`${minimal}verify: { deadline: 1s }\n`, 'c.yaml', {}), /between 10s and 24h/);
});

test('docs/notifications.md: the webhook body and its signature are what tagpilot sends for that event', () => {
  const event: NotifyEvent = { kind: 'failed', automation: 'fleet', workload: 'shop:deployment/web', repository: 'ghcr.io/acme/web', tag: '1.5.0', commit: '0123456789abcdef0123456789abcdef01234567', reason: 'ImagePullBackOff', detail: 'pod web-7d9c-x2 container web: ImagePullBackOff' };
  const body = JSON.stringify(payload('webhook', event, render(DEFAULT_TEMPLATES.failed, event), Date.parse('2026-12-01T10:00:00Z')));
  assert.equal(body, block('docs/notifications.md', 'json webhook-body'));
  assert.equal(signature('s3cret', body), block('docs/notifications.md', 'text webhook-signature'));
});

test('docs/notifications.md lists the default templates as they are', () => {
  const doc = readFileSync('docs/notifications.md', 'utf8');
  for (const [kind, template] of Object.entries(DEFAULT_TEMPLATES)) assert.ok(doc.includes(`| \`${kind}\` | \`${template}\` |`), kind);
});

test('docs/verification.md: the per-automation example is valid config, each automation with its own settings', () => {
  const config = parseConfig(block('docs/verification.md', 'yaml config-verify-automations'), 'docs/verification.md', {});
  assert.deepEqual(
    config.automations.map((a) => [a.name, a.verify, a.onFailure, a.notify.map((r) => r.name)]),
    [
      ['shop', { enabled: true, deadline: 300_000 }, 'revert', ['shop-team']],
      ['platform', { enabled: true, deadline: 600_000 }, 'none', []],
    ],
  );
});
