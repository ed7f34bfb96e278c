import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';

const base = 'git:\n  url: https://git.example.com/fleet.git\n';

test('leader election is on by default with a 15 s Lease; pull secrets are off', () => {
  const config = parseConfig(base, 'c.yaml', {});
  assert.deepEqual(config.leaderElection, { enabled: true, leaseDuration: 15_000 });
  assert.equal(config.pullSecrets, false);
});

test('leaderElection is read: enabled and the lease duration in milliseconds', () => {
  const config = parseConfig(`${base}leaderElection: { enabled: false, leaseDuration: 30s }\npullSecrets: true\n`, 'c.yaml', {});
  assert.deepEqual(config.leaderElection, { enabled: false, leaseDuration: 30_000 });
  assert.equal(config.pullSecrets, true);
});

const refused: [string, string, RegExp][] = [
  ['a lease under a second (renewals would hammer the API)', 'leaderElection: { leaseDuration: 500ms }\n', /leaderElection\.leaseDuration: must be between 1s and 5m/],
  ['a lease over five minutes (a takeover would wait that long)', 'leaderElection: { leaseDuration: 10m }\n', /leaderElection\.leaseDuration: must be between 1s and 5m/],
  ['an unknown leaderElection field', 'leaderElection: { renewDeadline: 10s }\n', /leaderElection/],
];
for (const [name, yaml, error] of refused) {
  test(`refused: ${name}`, () => assert.throws(() => parseConfig(`${base}${yaml}`, 'c.yaml', {}), error));
}
