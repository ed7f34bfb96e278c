import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tally, whenSlow } from '../../src/cli/progress.ts';

const timing = { slowMs: 20, everyMs: 20 };
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A piece of work that ends when told to. */
function pending(): { work: Promise<void>; finish: () => void } {
  let finish = () => {};
  const work = new Promise<void>((resolve) => (finish = resolve));
  return { work, finish };
}

test('whenSlow says nothing about work that ends quickly', async () => {
  let said = 0;
  await whenSlow(wait(1), timing, () => said++);
  await wait(40);
  assert.equal(said, 0);
});

test('whenSlow says it once about work that takes longer than slowMs', async () => {
  let said = 0;
  await whenSlow(wait(80), timing, () => said++);
  assert.equal(said, 1);
});

test('a Tally reports done of total while a slow batch lasts, and stops when it ends', async () => {
  const reports: string[] = [];
  const tally = new Tally(timing, (done, total) => reports.push(`${done}/${total}`));
  const [a, b, c] = [pending(), pending(), pending()];
  const all = Promise.all([a, b, c].map((p) => tally.track(p.work)));
  a.finish();
  await wait(50);
  b.finish();
  c.finish();
  await all;
  const seen = reports.length;
  await wait(60);
  assert.ok(seen >= 1, 'reported while slow');
  assert.equal(reports[0], '1/3');
  assert.equal(reports.length, seen, 'no report after the batch ended');
});

test('a Tally says nothing about a batch that ends quickly', async () => {
  const reports: string[] = [];
  const tally = new Tally(timing, (done, total) => reports.push(`${done}/${total}`));
  await Promise.all([tally.track(wait(1)), tally.track(wait(2))]);
  await wait(40);
  assert.deepEqual(reports, []);
});
