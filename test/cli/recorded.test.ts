/**
 * The status page's lookup of recorded verification outcomes, as the controller wires it: the
 * Events `history --verified` reads, through the API double enforcing config/'s RBAC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordedLookup } from '../../src/cli/controller-followup.ts';
import { cluster } from '../kube/double.ts';
import { PassThrough } from 'node:stream';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

for (const { components, readable } of [
  { components: ['workload-events', 'verify'], readable: true },
  { components: ['workload-events'], readable: false },
]) {
  test(`with config/ and ${components.join(' + ')}: ${readable ? 'the outcome the verifier recorded is found' : 'Events cannot be listed, and the lookup names the namespace'}`, async () => {
    const k = await cluster(components);
    try {
      k.api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: {} });
      const regarding = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
      await k.client.createEvent({
        name: 'web.1',
        namespace: 'shop',
        regarding,
        reason: 'RolloutFailed',
        action: 'Verify',
        type: 'Warning',
        note: `Failed (ImagePullBackOff): pod web-1 container web: ImagePullBackOff (commit ${COMMIT.slice(0, 12)}, automation fleet)`,
        eventTime: Date.parse('2026-12-01T12:00:00Z'),
        reportingController: 'tagpilot.io/controller',
        reportingInstance: 'tagpilot-0',
      });
      const lookup = await recordedLookup({ out: new PassThrough(), err: new PassThrough(), in: new PassThrough(), cwd: process.cwd(), env: { KUBECONFIG: k.kubeconfig } });
      const { found, unreadable } = await lookup(['shop:deployment/web']);
      if (readable) {
        assert.deepEqual(unreadable, []);
        assert.deepEqual({ ...found.get('shop:deployment/web')?.get(COMMIT.slice(0, 12)) }, { outcome: 'Failed', reason: 'ImagePullBackOff', detail: 'pod web-1 container web: ImagePullBackOff', at: '2026-12-01T12:00:00.000Z' });
      } else {
        assert.deepEqual(
          unreadable.map((u) => u.namespace),
          ['shop'],
        );
        assert.match(unreadable[0]?.message ?? '', /forbidden/i);
      }
    } finally {
      await k.stop();
    }
  });
}
