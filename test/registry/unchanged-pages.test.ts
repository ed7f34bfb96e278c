import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchTags, type Get, type TagPaging } from '../../src/registry/tags.ts';

const BASE = new URL('http://registry.local');
const PAGING: TagPaging = { pageSize: 3, maxTags: 100, maxPages: 10, timeoutMs: 10_000 };

/** A registry whose list is `pages`, each page linking to the next. */
function serving(pages: readonly (readonly string[])[]): Get & { asked: number } {
  const get = Object.assign(
    async (url: URL) => {
      get.asked++;
      const at = Number(url.searchParams.get('page') ?? '0');
      const next = at + 1 < pages.length ? { link: `</v2/team/app/tags/list?page=${at + 1}>; rel="next"` } : {};
      return { status: 200, url, headers: next, body: Buffer.from(JSON.stringify({ name: 'team/app', tags: pages[at] })) };
    },
    { asked: 0 },
  );
  return get;
}

const BEFORE = [['1.0.0', '1.0.1', '1.0.2'], ['1.1.0', '1.1.1', '1.1.2'], ['2.0.0']];

test('pages that all come back as they were are not parsed again: the caller’s copy stands (notModified)', async () => {
  const first = await fetchTags(BASE, 'team/app', PAGING, serving(BEFORE));
  assert.equal(first.notModified, false);
  assert.equal(first.pageDigests.length, 3);
  const get = serving(BEFORE);
  const again = await fetchTags(BASE, 'team/app', PAGING, get, { pageDigests: first.pageDigests });
  assert.deepEqual([again.notModified, again.tags, again.pageDigests], [true, [], first.pageDigests]);
  assert.equal(get.asked, 3, 'every page is still asked for: only a changed page can tell');
});

const CHANGES: [string, string[][]][] = [
  ['the last page changed', [BEFORE[0]!, BEFORE[1]!, ['2.0.0', '2.0.1']]],
  [
    'the first page changed',
    [
      ['0.9.0', '1.0.0', '1.0.1'],
      ['1.0.2', '1.1.0', '1.1.1'],
      ['1.1.2', '2.0.0'],
    ],
  ],
  ['a page fewer', [BEFORE[0]!, BEFORE[1]!]],
  ['a page more', [...BEFORE, ['3.0.0']]],
];

for (const [what, after] of CHANGES) {
  test(`${what}: every page is read, those held unread included`, async () => {
    const first = await fetchTags(BASE, 'team/app', PAGING, serving(BEFORE));
    const again = await fetchTags(BASE, 'team/app', PAGING, serving(after), { pageDigests: first.pageDigests });
    assert.equal(again.notModified, false);
    assert.deepEqual(again.tags, [...new Set(after.flat())].sort());
    assert.equal(again.pageDigests.length, after.length);
  });
}
