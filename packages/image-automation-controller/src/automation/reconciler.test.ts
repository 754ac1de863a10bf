import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StalledError } from '@weft/runtime/reconcile';
import { parseRefspec } from './source.ts';

test('refspecs: the commit branch or HEAD to a destination; forced ones refused', () => {
  assert.deepEqual(parseRefspec('refs/heads/main:refs/heads/auto', 'main'), {
    src: 'refs/heads/main',
    dst: 'refs/heads/auto',
  });
  assert.deepEqual(parseRefspec('HEAD:auto', 'main'), { src: 'refs/heads/main', dst: 'refs/heads/auto' });
  assert.throws(() => parseRefspec('+refs/heads/main:refs/heads/auto', 'main'), /forced pushes/);
  assert.throws(() => parseRefspec('refs/heads/other:refs/heads/auto', 'main'), StalledError);
  assert.throws(() => parseRefspec('main', 'main'), /want <src>:<dst>/);
});
