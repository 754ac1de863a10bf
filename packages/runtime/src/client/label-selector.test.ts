import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesLabelSelector } from './label-selector.ts';

test('label selectors: matchLabels and matchExpressions, ANDed; empty matches all', () => {
  const labels = { app: 'web', tier: 'front' };
  assert.equal(matchesLabelSelector(undefined, labels), true);
  assert.equal(matchesLabelSelector({}, undefined), true);
  assert.equal(matchesLabelSelector({ matchLabels: { app: 'web' } }, labels), true);
  assert.equal(matchesLabelSelector({ matchLabels: { app: 'db' } }, labels), false);
  const expr = (operator: string, values?: string[]) => ({
    matchExpressions: [{ key: 'tier', operator, ...(values ? { values } : {}) }],
  });
  assert.equal(matchesLabelSelector(expr('In', ['front', 'back']), labels), true);
  assert.equal(matchesLabelSelector(expr('In', ['back']), labels), false);
  assert.equal(matchesLabelSelector(expr('NotIn', ['back']), labels), true);
  assert.equal(matchesLabelSelector(expr('NotIn', ['front']), labels), false);
  assert.equal(matchesLabelSelector(expr('NotIn', ['front']), { app: 'web' }), true);
  assert.equal(matchesLabelSelector(expr('Exists'), labels), true);
  assert.equal(matchesLabelSelector(expr('DoesNotExist'), labels), false);
  assert.equal(matchesLabelSelector(expr('Bogus'), labels), false);
  assert.equal(matchesLabelSelector({ matchLabels: { app: 'web' }, ...expr('In', ['back']) }, labels), false);
});
