import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TagpilotError, errorCode } from '../../src/problems/index.ts';

test('a tagpilot error carries its stable code and safe data', () => {
  const error = new TagpilotError('registry-deadline', 'ghcr.io/acme/web: no answer within 30s', { data: { host: 'ghcr.io' } });
  assert.equal(errorCode(error), 'registry-deadline');
  assert.deepEqual(error.data, { host: 'ghcr.io' });
});

test('any other thrown value has the code internal', () => {
  assert.equal(errorCode(new Error('boom')), 'internal');
  assert.equal(errorCode('text'), 'internal');
});
