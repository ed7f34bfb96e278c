import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../src/policy/duration.ts';

const valid: [string, number][] = [
  ['500ms', 500],
  ['90s', 90_000],
  ['5m', 300_000],
  ['1h30m', 5_400_000],
  ['1.5d', 129_600_000],
  ['2w', 1_209_600_000],
  [' 10m ', 600_000],
];
for (const [text, ms] of valid) {
  test(`"${text}" is ${ms} ms, in config intervals and min-age filters alike`, () => assert.equal(parseDuration(text), ms));
}

for (const text of ['', '5', 'soon', '5 m', '-5m', '1y', '1234567s', 'm5']) {
  test(`"${text}" is not a duration`, () => assert.equal(parseDuration(text), undefined));
}
