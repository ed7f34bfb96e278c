import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { activeFreeze, parseFreezeList, parseFreezeWindow, windowEnd } from '../../src/policy/freeze.ts';

/** [window, now, frozen until (or null: not frozen)] — every time in UTC. */
const cases: [string, string, string | null][] = [
  // Weekday evenings in Berlin (CET is UTC+1 in winter, CEST UTC+2 in summer).
  ['Mon-Fri 18:00-08:00 Europe/Berlin', '2026-01-13T18:30:00Z', '2026-01-14T07:00:00Z'],
  ['Mon-Fri 18:00-08:00 Europe/Berlin', '2026-01-13T12:00:00Z', null],
  ['Mon-Fri 18:00-08:00 Europe/Berlin', '2026-01-13T16:59:59Z', null],
  ['Mon-Fri 18:00-08:00 Europe/Berlin', '2026-01-13T17:00:00Z', '2026-01-14T07:00:00Z'],
  ['Mon-Fri 18:00-08:00 Europe/Berlin', '2026-01-14T06:59:59Z', '2026-01-14T07:00:00Z'],
  ['Mon-Fri 18:00-08:00 Europe/Berlin', '2026-01-14T07:00:00Z', null],
  ['Mon-Fri 18:00-08:00 Europe/Berlin', '2026-07-14T16:30:00Z', '2026-07-15T06:00:00Z'],
  // Friday night runs into Saturday morning, no further.
  ['Mon-Fri 18:00-08:00 Europe/Berlin', '2026-01-17T06:00:00Z', '2026-01-17T07:00:00Z'],
  ['Mon-Fri 18:00-08:00 Europe/Berlin', '2026-01-17T12:00:00Z', null],
  // The weekend, from Friday 16:00 to Monday 08:00, across a DST change (29 March 2026).
  ['Fri 16:00-Mon 08:00 Europe/Berlin', '2026-03-27T15:00:00Z', '2026-03-30T06:00:00Z'],
  ['Fri 16:00 - Mon 08:00 Europe/Berlin', '2026-03-29T12:00:00Z', '2026-03-30T06:00:00Z'],
  ['Fri 16:00-Mon 08:00 Europe/Berlin', '2026-03-27T14:59:00Z', null],
  ['Fri 16:00-Mon 08:00 Europe/Berlin', '2026-03-30T06:00:00Z', null],
  // Days spelled out, listed, named sets; UTC by default.
  ['Sat,Sun 00:00-00:00', '2026-01-18T23:00:00Z', '2026-01-19T00:00:00Z'],
  ['weekends 00:00-00:00', '2026-01-17T00:00:00Z', '2026-01-19T00:00:00Z'],
  ['daily 22:00-06:00 UTC', '2026-01-14T02:00:00Z', '2026-01-14T06:00:00Z'],
  ['Monday,Wed-Fri 09:00-17:00', '2026-01-14T10:00:00Z', '2026-01-14T17:00:00Z'],
  ['Monday,Wed-Fri 09:00-17:00', '2026-01-13T10:00:00Z', null],
  // A range of days that passes Sunday wraps around the week.
  ['Fri-Mon 18:00-08:00 UTC', '2026-01-18T19:00:00Z', '2026-01-19T08:00:00Z'],
  ['Fri-Mon 18:00-08:00 UTC', '2026-01-14T19:00:00Z', null],
  ['Mon-Sun 00:00-23:59 UTC', '2026-01-18T12:00:00Z', '2026-01-18T23:59:00Z'],
  // Cron, with a duration or an end expression.
  ['cron(0 22 * * *) for 8h', '2026-01-14T05:59:00Z', '2026-01-14T06:00:00Z'],
  ['cron(0 22 * * *) for 8h', '2026-01-14T06:00:00Z', null],
  ['cron(0 18 * * 5) until cron(0 8 * * 1) Europe/Berlin', '2026-01-18T10:00:00Z', '2026-01-19T07:00:00Z'],
  ['cron(30 12 1 * *) for 1h America/New_York', '2026-02-01T17:45:00Z', '2026-02-01T18:30:00Z'],
  // Absolute ranges: a holiday freeze, local dates in a zone, or instants with offsets.
  ['2026-12-20 .. 2027-01-04T08:00 Europe/Berlin', '2026-12-31T12:00:00Z', '2027-01-04T07:00:00Z'],
  ['2026-12-20 .. 2027-01-04T08:00 Europe/Berlin', '2026-12-19T22:59:59Z', null],
  ['2026-12-20 .. 2027-01-04T08:00 Europe/Berlin', '2026-12-19T23:00:00Z', '2027-01-04T07:00:00Z'],
  ['2026-05-01T10:00:00Z .. 2026-05-04T08:00:00Z', '2026-05-04T07:59:59Z', '2026-05-04T08:00:00Z'],
  ['2026-05-01T10:00:00Z .. 2026-05-04T08:00:00Z', '2026-05-04T08:00:00Z', null],
];

for (const [text, now, until] of cases) {
  test(`"${text}" at ${now}: ${until === null ? 'not frozen' : `frozen until ${until}`}`, () => {
    const found = activeFreeze([parseFreezeWindow(text)], new Date(now));
    assert.equal(found?.until.toISOString() ?? null, until === null ? null : new Date(until).toISOString());
  });
}

test('windows that follow on without a gap freeze until the last of them ends', () => {
  const windows = parseFreezeList('Mon-Fri 18:00-08:00 Europe/Berlin; Fri 16:00-Mon 08:00 Europe/Berlin');
  // Thursday evening: the weekday window, then nothing between Friday 08:00 and 16:00.
  assert.equal(activeFreeze(windows, new Date('2026-01-15T20:00:00Z'))?.until.toISOString(), '2026-01-16T07:00:00.000Z');
  // Friday evening: both hold; the weekend one reaches Monday.
  assert.equal(activeFreeze(windows, new Date('2026-01-16T18:00:00Z'))?.until.toISOString(), '2026-01-19T07:00:00.000Z');
  const chained = parseFreezeList('2026-01-01 .. 2026-01-02; 2026-01-02 .. 2026-01-03');
  assert.equal(activeFreeze(chained, new Date('2026-01-01T12:00:00Z'))?.until.toISOString(), '2026-01-03T00:00:00.000Z');
});

const invalid: [string, RegExp][] = [
  ['', /empty/],
  ['Mon-Fri 18:00', /expected/],
  ['Mon-Fri 25:00-08:00', /not a time of day/],
  ['Funday 18:00-08:00', /not a day/],
  ['Mon-Fri 18:00-08:00 Mars/Olympus', /unknown time zone/],
  ['cron(0 25 * * *) for 1h', /cron/],
  ['cron(0 22 * * *) for ever', /not a duration/],
  ['cron(0 22 * * *)', /expected/],
  ['2026-13-01 .. 2026-12-31', /not a date/],
  ['2026-12-31 .. 2026-01-01', /not after the start/],
  ['2026-01-01 .. 2026-02-01 .. 2026-03-01', /expected/],
  [`${'Mon-Fri 18:00-08:00 '.repeat(12)}`, /longer than/],
];
for (const [text, message] of invalid) {
  test(`"${text.slice(0, 40)}" is refused, saying why`, () => assert.throws(() => parseFreezeWindow(text), message));
}

test('more than 20 windows in one place are refused', () => {
  assert.throws(() => parseFreezeList(Array(21).fill('daily 00:00-01:00').join(';')), /at most 20/);
});

test('property: a window that holds at a time ends after it, and holds until just before its end', () => {
  const windows = ['Mon-Fri 18:00-08:00 Europe/Berlin', 'Fri 16:00-Mon 08:00 America/New_York', 'cron(15 */3 * * *) for 90m', 'daily 23:30-00:15 Asia/Kolkata'].map(parseFreezeWindow);
  fc.assert(
    fc.property(fc.constantFrom(...windows), fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2028-01-01T00:00:00Z'), noInvalidDate: true }), (window, now) => {
      const end = windowEnd(window, now);
      if (end === undefined) return;
      assert.ok(end > now);
      assert.deepEqual(windowEnd(window, new Date(end.getTime() - 1)), end);
      assert.equal(windowEnd(window, end)?.getTime() === end.getTime(), false);
    }),
    { numRuns: 300 },
  );
});
