import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeXmlText, parseListPage, parseS3Error } from './xml.ts';

test('decodes the predefined entities and character references', () => {
  assert.equal(
    decodeXmlText('a &amp; b &lt;c&gt; &#34;q&#34; &#x27;s&#x27; &unknown;'),
    'a & b <c> "q" \'s\' &unknown;',
  );
});

test('parses a ListObjectsV2 page with quoted ETags, escaped keys and a continuation token', () => {
  const page = parseListPage(
    '<?xml version="1.0"?><ListBucketResult xmlns="x"><IsTruncated>true</IsTruncated>' +
      '<Contents><ETag>&#34;abc&#34;</ETag><Key>a b/c&amp;d.yaml</Key><Size>12</Size></Contents>' +
      '<Contents><Key>x.yaml</Key><ETag>"def-2"</ETag><Size>3</Size></Contents>' +
      '<NextContinuationToken>tok&amp;en</NextContinuationToken></ListBucketResult>',
  );
  assert.deepEqual(page, {
    objects: [
      { key: 'a b/c&d.yaml', etag: 'abc', size: 12 },
      { key: 'x.yaml', etag: 'def-2', size: 3 },
    ],
    truncated: true,
    nextToken: 'tok&en',
  });
  assert.throws(() => parseListPage('<Error/>'), /not a ListBucketResult/);
});

test('reads an S3 error body', () => {
  assert.equal(
    parseS3Error('<Error><Code>NoSuchBucket</Code><Message>gone</Message></Error>'),
    'NoSuchBucket: gone',
  );
  assert.equal(parseS3Error('not xml'), undefined);
});
