import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/index.ts';
import { ControllerState } from '../../src/runtime/index.ts';
import { ControllerMetrics } from '../../src/server/index.ts';

const doc = readFileSync('docs/controller.md', 'utf8');

test('the example in docs/controller.md is a valid config of three automations', () => {
  const example = doc.match(/```yaml controller-example\n([\s\S]*?)```/)?.[1];
  assert.ok(example, 'docs/controller.md has a controller-example block');
  const config = parseConfig(example, 'docs/controller.md', {});
  assert.deepEqual(
    config.automations.map((a) => [a.name, a.interval]),
    [
      ['shop', 120_000],
      ['platform', 300_000],
      ['data', 300_000],
    ],
  );
});

test('docs/controller.md lists every tagpilot metric, and no metric that does not exist', async () => {
  const registered = new ControllerMetrics(new ControllerState('c.yaml')).registry
    .getMetricsAsArray()
    .map((m) => m.name)
    .filter((name) => name.startsWith('tagpilot_'))
    .sort();
  const documented = [...doc.matchAll(/^\| `(tagpilot_[a-z_]+)` \|/gm)].map((m) => m[1]!).sort();
  assert.deepEqual(documented, registered);
});

test('metric names follow the Prometheus conventions: counters end in _total, times in _seconds', () => {
  for (const m of new ControllerMetrics(new ControllerState('c.yaml')).registry.getMetricsAsArray()) {
    if (!m.name.startsWith('tagpilot_')) continue;
    const type = (m as unknown as { type: string }).type;
    if (type === 'counter') assert.match(m.name, /_total$/, m.name);
    if (m.name.includes('duration') || m.name.includes('wait_seconds')) assert.match(m.name, /_seconds(_total)?$/, m.name);
  }
});
