import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOperationTrailers, parseRepoSettings } from '../../src/automation/index.ts';
import { HOLD_PRECEDENCE } from '../../src/automation/holds.ts';
import { activeFreeze, parseFreezeWindow } from '../../src/policy/index.ts';

const doc = readFileSync(join(import.meta.dirname, '../../docs/operations.md'), 'utf8');
const blocks = (lang: string) => [...doc.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);

test('docs/operations.md: every freeze window in its table holds (or not) at the time it says', () => {
  const rows = [...doc.matchAll(/^\| `([^`]+)` \| (\d{4}-[\dT:-]+Z) \| ([^|]+) \|$/gm)];
  assert.ok(rows.length >= 7);
  for (const [, window, at, until] of rows) {
    const active = activeFreeze([parseFreezeWindow(window!)], new Date(at!));
    assert.equal(active?.until.toISOString() ?? '-', until!.trim(), `${window} at ${at}`);
  }
});

test('docs/operations.md: its .tagpilot.yaml example reads as repository settings', () => {
  const [settings] = blocks('yaml').filter((b) => b.startsWith('# .tagpilot.yaml'));
  assert.deepEqual(
    parseRepoSettings(settings!).freeze.map((f) => f.window),
    ['2026-12-20 .. 2027-01-04T08:00 Europe/Berlin', 'Fri 16:00-Mon 08:00 Europe/Berlin', 'cron(0 22 * * *) for 8h UTC'],
  );
  assert.equal(parseRepoSettings(settings!).onRevert, 'lock');
});

test("docs/operations.md: its precedence list is the code's, strongest first", () => {
  const section = doc.slice(doc.indexOf('## Precedence: why a slot is held'));
  const listed = [...section.matchAll(/^\d\. \*\*[^*]+\*\* \(`([a-z-]+)`\)/gm)].map((m) => m[1]);
  assert.deepEqual(listed, [...HOLD_PRECEDENCE]);
});

test('docs/operations.md: each commit shown carries one operation trailer whose verb its subject names', () => {
  const messages = blocks('text');
  assert.equal(messages.length, 2);
  for (const message of messages) {
    const [op] = parseOperationTrailers(message);
    assert.ok(op !== undefined, message);
    assert.match(message, new RegExp(`^tagpilot ${op.verb} ${op.target}`));
    assert.equal(op.by, 'Ana <ana@example.com>');
  }
});

test('docs/operations.md: the auto-revert trailer shown reads as an auto-revert from the failed tag to the restored one', () => {
  const [trailer] = blocks('text trailer');
  const [op] = parseOperationTrailers(trailer!);
  assert.deepEqual([op?.verb, op?.target, op?.slot, op?.from, op?.to, op?.by], ['auto-revert', 'shop:deployment/web', 'web', '1.5.0', '1.4.2', 'tagpilot <tagpilot@users.noreply.local>']);
});
