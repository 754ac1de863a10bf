import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessDenied } from './access.ts';

const repo = (accessFrom?: { namespaceSelectors: { matchLabels?: Record<string, string> }[] }) => ({
  namespace: 'images',
  name: 'app',
  accessFrom,
});

test('the same namespace is always allowed, another only through accessFrom', () => {
  assert.equal(accessDenied('images', repo(), undefined, true), undefined);
  assert.match(accessDenied('apps', repo(), {}, false) ?? '', /has no spec.accessFrom/);
  assert.equal(
    accessDenied('apps', repo({ namespaceSelectors: [{}] }), {}, false),
    undefined,
    'empty selector',
  );
  const selective = repo({
    namespaceSelectors: [{ matchLabels: { team: 'a' } }, { matchLabels: { env: 'prod' } }],
  });
  assert.equal(accessDenied('apps', selective, { env: 'prod', x: 'y' }, false), undefined);
  assert.match(
    accessDenied('apps', selective, { team: 'b' }, false) ?? '',
    /no spec.accessFrom.namespaceSelectors entry matches/,
  );
  assert.match(
    accessDenied('apps', repo({ namespaceSelectors: [{}] }), {}, true) ?? '',
    /cross-namespace references are disabled/,
  );
});
