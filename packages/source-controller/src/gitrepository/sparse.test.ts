import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StalledError } from '@weft/runtime/reconcile';
import { sparseDirectories, sparseFilter } from './sparse.ts';

describe('sparseCheckout', () => {
  it('keeps the listed directories and the directories leading to them', () => {
    const keep = sparseFilter(sparseDirectories(['./apps/prod/', 'infra']));
    assert.ok(keep('apps', true));
    assert.ok(keep('apps/prod', true));
    assert.ok(keep('apps/prod/web.yaml', false));
    assert.ok(keep('infra/a/b.yaml', false));
    assert.ok(!keep('apps/staging', true));
    assert.ok(!keep('apps/readme.md', false));
    assert.ok(!keep('README.md', false));
    assert.ok(!keep('infrastructure', true));
  });

  it('stalls on a directory outside the repository', () => {
    assert.throws(() => sparseDirectories(['../other']), StalledError);
    assert.throws(() => sparseDirectories(['/etc']), StalledError);
  });
});
