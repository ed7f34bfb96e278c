import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { oneLine } from '../../src/automation/trailers.ts';
import { formatOperationTrailer, OPERATION_VERBS, parseOperationTrailers, type OperationTrailer } from '../../src/automation/operation-trailer.ts';

test('an operation trailer says verb, target, slot, who, when and why on one line', () => {
  const line = formatOperationTrailer({ verb: 'lock', target: 'shop:deployment/web', slot: 'web', by: 'Ana <ana@example.com>', at: '2026-12-01T12:00:00Z', reason: 'incident 42: hold' });
  assert.equal(line, 'Tagpilot-Operation: lock shop:deployment/web web by=Ana%20<ana@example.com> at=2026-12-01T12:00:00Z reason=incident 42: hold');
});

test('a slot named "-" reads back as that slot, not as the whole target', () => {
  const op: OperationTrailer = { verb: 'lock', target: 'apps/kustomization.yaml', slot: '-', by: 'ana', at: '2026-12-01T12:00:00Z' };
  assert.deepEqual(parseOperationTrailers(formatOperationTrailer(op)), [op]);
});

test('operation trailers read back as written, whatever the fields hold', () => {
  const text = fc.string({ minLength: 1, maxLength: 30 });
  const op = fc.record(
    {
      verb: fc.constantFrom(...OPERATION_VERBS),
      target: text,
      slot: fc.option(text, { nil: undefined }),
      by: text,
      at: text,
      reason: fc.option(
        text.map((s) => oneLine(s).trim()).filter((s) => s !== ''),
        { nil: undefined },
      ),
      from: fc.option(text, { nil: undefined }),
      to: fc.option(text, { nil: undefined }),
    },
    { requiredKeys: ['verb', 'target', 'by', 'at'] },
  );
  fc.assert(
    fc.property(op, (o) => {
      const written = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as OperationTrailer;
      assert.deepEqual(parseOperationTrailers(`subject\n\n${formatOperationTrailer(written)}\n`), [written]);
    }),
  );
});
