import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listTagPages } from './tags.ts';

const pages: Record<string, { tags: string[] | null; next?: string }> = {
  '/v2/a/tags/list': { tags: ['t1', 't2'], next: '</v2/a/tags/list?last=t2&n=2>; rel="next"' },
  '/v2/a/tags/list?last=t2&n=2': { tags: ['t3'], next: '<https://r.io/v2/a/tags/list?last=t3>; rel="next"' },
  '/v2/a/tags/list?last=t3': { tags: null },
};

const fetchPage = async (url: URL) => {
  const page = pages[`${url.pathname}${url.search}`];
  if (!page) throw new Error(`unexpected ${url}`);
  return { body: Buffer.from(JSON.stringify({ name: 'a', tags: page.tags })), link: page.next };
};

test('follows relative and absolute next links until the last page', async () => {
  assert.deepEqual(await listTagPages(new URL('https://r.io/v2/a/tags/list'), 10, fetchPage), [
    't1',
    't2',
    't3',
  ]);
});

test('stops at maxPages instead of following links forever', async () => {
  await assert.rejects(
    listTagPages(new URL('https://r.io/v2/a/tags/list'), 2, fetchPage),
    /more than 2 pages/,
  );
});

test('a non-string tag is refused', async () => {
  const bad = async () => ({ body: Buffer.from('{"tags":[1]}'), link: undefined });
  await assert.rejects(listTagPages(new URL('https://r.io/v2/a/tags/list'), 2, bad), /non-string tag/);
});
