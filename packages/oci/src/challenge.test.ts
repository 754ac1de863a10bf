import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextLink, parseChallenge } from './challenge.ts';

test('parses a Bearer challenge with quoted parameters', () => {
  assert.deepEqual(
    parseChallenge(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
    ),
    {
      scheme: 'Bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:a/b:pull',
      },
    },
  );
});

test('parses a Basic challenge and unquoted values', () => {
  assert.deepEqual(parseChallenge('Basic realm="weft-registry"'), {
    scheme: 'Basic',
    params: { realm: 'weft-registry' },
  });
  assert.deepEqual(parseChallenge('Bearer realm=https://a/t, service=s'), {
    scheme: 'Bearer',
    params: { realm: 'https://a/t', service: 's' },
  });
  assert.equal(parseChallenge(''), undefined);
});

test('finds the next page of a Link header', () => {
  assert.equal(nextLink('</v2/a/tags/list?last=b&n=2>; rel="next"'), '/v2/a/tags/list?last=b&n=2');
  assert.equal(nextLink('<https://x/prev>; rel="prev", <https://x/next>; rel=next'), 'https://x/next');
  assert.equal(nextLink('<https://x/prev>; rel="prev"'), undefined);
  assert.equal(nextLink(undefined), undefined);
});
