import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryCounters } from '../../src/kube/index.ts';
import { Notifier, notifyEvents, verificationEvent, type NotifyEvent, type Route } from '../../src/notify/index.ts';
import { closedPort } from '../harness/ports.ts';
import { receiver } from './receiver.ts';

const silent = { info() {}, warn() {} };
let stop: (() => Promise<void>) | undefined;
afterEach(() => stop?.());

const updated: NotifyEvent = { kind: 'updated', automation: 'fleet', workload: 'shop:deployment/web', repository: 'ghcr.io/acme/web', tag: '1.5.0', from: '1.4.2', commit: '0123456789abcdef0123456789abcdef01234567', detail: '1.4.2 → 1.5.0' };
const failed: NotifyEvent = { ...updated, kind: 'failed', reason: 'ImagePullBackOff', detail: 'pod web-7d9-x container web: ImagePullBackOff' };
const route = (r: Partial<Route> & Pick<Route, 'url' | 'channel'>): Route => ({ name: 'team', events: ['updated', 'verified', 'failed', 'held-back'], perMinute: 20, ...r });

async function setup(routes: (url: (p?: string) => string) => Route[], answers: number[] = []) {
  const r = await receiver(answers);
  stop = r.stop;
  const counters = new MemoryCounters();
  const notifier = new Notifier({ routes: routes(r.url), log: silent, counters, backoffMs: 10 });
  return { r, counters, notifier };
}

test('notify slack: an incoming webhook gets { text } from the default template', async () => {
  const { r, notifier } = await setup((url) => [route({ channel: 'slack', url: url() })]);
  notifier.notify(updated);
  await notifier.settled();
  assert.equal(r.received.length, 1);
  assert.equal(r.received[0]!.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(r.received[0]!.body), { text: 'shop:deployment/web: ghcr.io/acme/web 1.4.2 → 1.5.0 in commit 0123456789ab (fleet)' });
});

test('notify teams: a workflow gets a message with an Adaptive Card holding the text', async () => {
  const { r, notifier } = await setup((url) => [route({ channel: 'teams', url: url() })]);
  notifier.notify(failed);
  await notifier.settled();
  const body = JSON.parse(r.received[0]!.body);
  assert.equal(body.type, 'message');
  const [attachment] = body.attachments;
  assert.equal(attachment.contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(attachment.content.type, 'AdaptiveCard');
  assert.equal(attachment.content.version, '1.4');
  assert.deepEqual(attachment.content.body, [{ type: 'TextBlock', wrap: true, text: 'shop:deployment/web: ghcr.io/acme/web:1.5.0 failed: ImagePullBackOff: pod web-7d9-x container web: ImagePullBackOff (commit 0123456789ab, fleet)' }]);
});

test('notify webhook: the JSON event is signed with HMAC-SHA256 of the exact body; a receiver checks it', async () => {
  const { r, notifier } = await setup((url) => [route({ channel: 'webhook', url: url(), secret: 's3cret' })]);
  notifier.notify(failed);
  await notifier.settled();
  const { body, headers } = r.received[0]!;
  const expected = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
  assert.equal(headers['x-tagpilot-signature'], expected);
  assert.notEqual(headers['x-tagpilot-signature'], `sha256=${createHmac('sha256', 'other').update(body).digest('hex')}`);
  const event = JSON.parse(body);
  assert.equal(event.kind, 'failed');
  assert.equal(event.reason, 'ImagePullBackOff');
  assert.equal(event.tag, '1.5.0');
  assert.match(event.timestamp, /^\d{4}-\d\d-\d\dT/);
});

test('notify: a route gets only the kinds it asks for, with its own template', async () => {
  const { r, notifier } = await setup((url) => [route({ name: 'oncall', channel: 'slack', url: url('/oncall'), events: ['failed'], template: ':rotating_light: {{workload}} {{tag}}: {{reason}} {{nope}}' }), route({ name: 'all', channel: 'slack', url: url('/all') })]);
  notifier.notify(updated);
  notifier.notify(failed);
  await notifier.settled();
  assert.deepEqual(r.received.map((x) => `${x.path} ${JSON.parse(x.body).text.split(' ').slice(0, 3).join(' ')}`).sort(), ['/all shop:deployment/web: ghcr.io/acme/web 1.4.2', '/all shop:deployment/web: ghcr.io/acme/web:1.5.0 failed:', '/oncall :rotating_light: shop:deployment/web 1.5.0:'].sort());
  assert.equal(JSON.parse(r.received.find((x) => x.path === '/oncall')!.body).text, ':rotating_light: shop:deployment/web 1.5.0: ImagePullBackOff {{nope}}');
});

test('notify: one message per tag and outcome; a held-back message once per tag, whatever its age says', async () => {
  const { r, notifier, counters } = await setup((url) => [route({ channel: 'slack', url: url() })]);
  const held = (detail: string): NotifyEvent => ({ kind: 'held-back', automation: 'fleet', workload: 'shop:deployment/web', repository: '', tag: '', reason: 'soaking', detail });
  notifier.notify(updated);
  notifier.notify(updated);
  notifier.notify({ ...updated, tag: '1.6.0' });
  notifier.notify(held('1.7.0 is 2h old; min-age is 1d'));
  notifier.notify(held('1.7.0 is 3h old; min-age is 1d'));
  notifier.notify(held('1.8.0 is 1h old; min-age is 1d'));
  await notifier.settled();
  assert.equal(r.received.length, 4);
  assert.equal(counters.get('tagpilot_notifications_total', { route: 'team', kind: 'updated', outcome: 'duplicate' }), 1);
  assert.equal(counters.get('tagpilot_notifications_total', { route: 'team', kind: 'held-back', outcome: 'duplicate' }), 1);
});

test('notify: past perMinute, messages are dropped and counted', async () => {
  const { r, notifier, counters } = await setup((url) => [route({ channel: 'slack', url: url(), perMinute: 2 })]);
  for (const tag of ['1', '2', '3', '4']) notifier.notify({ ...updated, tag });
  await notifier.settled();
  assert.equal(r.received.length, 2);
  assert.equal(counters.get('tagpilot_notifications_total', { route: 'team', kind: 'updated', outcome: 'dropped' }), 2);
});

test('notify: a 503 then a 429 are retried with backoff; the third try delivers', async () => {
  const { r, notifier, counters } = await setup((url) => [route({ channel: 'slack', url: url() })], [503, 429]);
  notifier.notify(updated);
  await notifier.settled();
  assert.equal(r.received.length, 3);
  assert.equal(counters.get('tagpilot_notifications_total', { route: 'team', kind: 'updated', outcome: 'sent' }), 1);
});

test('notify: a 400 is not retried; a receiver that is down is retried, then counted failed, and notify never throws or waits', async () => {
  const { r, notifier, counters } = await setup((url) => [route({ channel: 'slack', url: url() })], [400]);
  notifier.notify(updated);
  await notifier.settled();
  assert.equal(r.received.length, 1);
  assert.equal(counters.get('tagpilot_notifications_total', { route: 'team', kind: 'updated', outcome: 'failed' }), 1);

  const down = new Notifier({ routes: [route({ channel: 'slack', url: `http://127.0.0.1:${await closedPort()}/hook` })], log: silent, counters, backoffMs: 5, attempts: 3 });
  const returned: unknown = down.notify(failed);
  // Returned before the delivery ended (nothing counted yet) and with nothing to await: a cycle never waits on a receiver.
  assert.equal(returned, undefined, 'notify hands back nothing to await');
  assert.equal(counters.get('tagpilot_notifications_total', { route: 'team', kind: 'failed', outcome: 'failed' }), 0, 'notify returned before its delivery ended');
  await down.settled();
  assert.equal(counters.get('tagpilot_notifications_total', { route: 'team', kind: 'failed', outcome: 'failed' }), 1);
});

test('notify events: a pushed commit notifies updated per change and held-back per hold; a verification verified or failed', async () => {
  const report = {
    commit: 'c0ffee',
    changes: [{ workload: 'shop:deployment/web', file: 'web.yaml', repository: 'ghcr.io/acme/web', from: '1.4.2', to: '1.5.0' }],
    problems: [
      { code: 'soaking', subject: 'web.yaml:12 shop:deployment/web', message: '1.6.0 is 2h old; min-age is 1d' },
      { code: 'registry-timeout', subject: 'ghcr.io/acme/web', message: 'timed out' },
    ],
  };
  assert.deepEqual(
    notifyEvents('fleet', report).map((e) => `${e.kind} ${e.workload} ${e.tag}`),
    ['updated shop:deployment/web 1.5.0', 'held-back shop:deployment/web '],
  );
  const target = { automation: 'fleet', workload: { namespace: 'shop', kind: 'Deployment', name: 'web' }, commit: 'c0ffee', expected: [{ repository: 'ghcr.io/acme/web', to: '1.5.0' }] };
  assert.deepEqual(
    verificationEvent({ target, outcome: 'NotApplied', detail: 'x' }).map((e) => `${e.kind} ${e.reason}`),
    ['failed NotApplied'],
  );
  assert.equal(verificationEvent({ target, outcome: 'Verified', detail: 'x' })[0]?.kind, 'verified');
  await sleep(0);
});
