import { nextLink } from './challenge.ts';
import { OciError } from './errors.ts';

interface TagPage {
  body: Buffer;
  link: string | undefined;
}

/** Follows a tag list's `Link: <…>; rel="next"` pages, at most `maxPages`, collecting tags. */
export async function listTagPages(
  first: URL,
  maxPages: number,
  fetchPage: (url: URL) => Promise<TagPage>,
): Promise<string[]> {
  const tags: string[] = [];
  let url: URL | undefined = first;
  for (let page = 0; url; page++) {
    if (page >= maxPages) throw new OciError('TooLarge', `tag list has more than ${maxPages} pages`);
    const { body, link } = await fetchPage(url);
    let parsed: { tags?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as { tags?: unknown };
    } catch {
      throw new OciError('Http', 'tag list is not JSON');
    }
    if (parsed.tags !== null && parsed.tags !== undefined) {
      if (!Array.isArray(parsed.tags) || !parsed.tags.every((tag) => typeof tag === 'string'))
        throw new OciError('Http', 'tag list has a non-string tag');
      tags.push(...(parsed.tags as string[]));
    }
    const next = nextLink(link);
    url = next === undefined ? undefined : new URL(next, url);
  }
  return tags;
}
