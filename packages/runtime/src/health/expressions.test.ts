import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../client/types.ts';
import { compileHealthExpressions, HealthExpressionError } from './expressions.ts';

const widget = (status: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'example.dev/v1',
    kind: 'Widget',
    metadata: { name: 'w', generation: 2 },
    status,
  }) as KubeObject;

const custom = compileHealthExpressions([
  {
    apiVersion: 'example.dev/v1',
    kind: 'Widget',
    inProgress: "status.?phase.orValue('') == 'Provisioning'",
    failed: "status.conditions.exists(c, c.type == 'Synced' && c.status == 'False')",
    current:
      "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True') && status.observedGeneration == metadata.generation",
  },
]);

describe('compileHealthExpressions', () => {
  it('evaluates inProgress, failed, then current against the object', () => {
    const ready = { type: 'Ready', status: 'True' };
    assert.equal(
      custom(widget({ phase: 'Provisioning', conditions: [ready], observedGeneration: 2 }))?.status,
      'InProgress',
    );
    assert.equal(custom(widget({ conditions: [{ type: 'Synced', status: 'False' }] }))?.status, 'Failed');
    assert.equal(custom(widget({ conditions: [ready], observedGeneration: 2 }))?.status, 'Current');
    assert.equal(custom(widget({ conditions: [ready], observedGeneration: 1 }))?.status, 'InProgress');
  });

  it('takes an expression over a missing field as false', () => {
    assert.equal(custom(widget({}))?.status, 'InProgress');
  });

  it('leaves other kinds to the built-in rules', () => {
    assert.equal(custom({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }), undefined);
  });

  it('names the kind and field of an expression that does not parse', () => {
    assert.throws(
      () => compileHealthExpressions([{ apiVersion: 'v1', kind: 'Thing', current: 'status.ready ==' }]),
      (error: Error) =>
        error instanceof HealthExpressionError &&
        error.message.startsWith('healthCheckExprs[0] (Thing) current:'),
    );
  });
});
