/**
 * Just enough XML for S3's ListObjectsV2 answer, which is machine-written and flat: the text of
 * named elements, with the five predefined entities and numeric character references decoded.
 */

const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (entity, body: string) => {
    if (body.startsWith('#x')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return named[body] ?? entity;
  });
}

/** The decoded text of every `<name>…</name>` directly in `xml` (no nesting of the same name). */
export function elementTexts(xml: string, name: string): string[] {
  const found: string[] = [];
  const pattern = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g');
  for (const match of xml.matchAll(pattern)) found.push(match[1] ?? '');
  return found;
}

export function elementText(xml: string, name: string): string | undefined {
  const text = elementTexts(xml, name)[0];
  return text === undefined ? undefined : decodeXmlText(text);
}

export interface ListedObject {
  key: string;
  etag: string;
  size: number;
}

export interface ListPage {
  objects: ListedObject[];
  truncated: boolean;
  nextToken: string | undefined;
}

/** Parses one ListObjectsV2 result page. */
export function parseListPage(xml: string): ListPage {
  if (!/<ListBucketResult[\s>]/.test(xml))
    throw new Error('the answer to ListObjectsV2 is not a ListBucketResult');
  const objects: ListedObject[] = [];
  for (const contents of elementTexts(xml, 'Contents')) {
    const key = elementText(contents, 'Key');
    if (key === undefined) continue;
    objects.push({
      key,
      etag: (elementText(contents, 'ETag') ?? '').replace(/^"|"$/g, ''),
      size: Number(elementText(contents, 'Size') ?? 0),
    });
  }
  return {
    objects,
    truncated: elementText(xml, 'IsTruncated') === 'true',
    nextToken: elementText(xml, 'NextContinuationToken'),
  };
}

/** The code and message of an S3 `<Error>` body, for a condition message. */
export function parseS3Error(xml: string): string | undefined {
  const code = elementText(xml, 'Code');
  if (code === undefined) return undefined;
  const message = elementText(xml, 'Message');
  return `${code}${message ? `: ${message}` : ''}`.slice(0, 200);
}
