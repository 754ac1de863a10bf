import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crds, type JSONSchemaProps, structuralErrors } from '../index.ts';

function messages(schema: JSONSchemaProps): string[] {
  return structuralErrors(schema).map((error) => `${error.path}: ${error.message}`);
}

describe('structural schema check', () => {
  it('accepts the schema of every CRD', () => {
    for (const crd of crds()) {
      for (const version of crd.spec.versions) {
        assert.deepEqual(messages(version.schema.openAPIV3Schema), [], crd.metadata.name);
      }
    }
  });

  it('rejects a node without type', () => {
    assert.deepEqual(messages({ type: 'object', properties: { a: {} } }), ['a: has no type']);
  });

  it('allows a missing type only with int-or-string or preserve-unknown-fields', () => {
    assert.deepEqual(
      messages({ type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true } } }),
      [],
    );
    assert.deepEqual(messages({ 'x-kubernetes-preserve-unknown-fields': true }), []);
    assert.deepEqual(messages({ type: 'string', 'x-kubernetes-int-or-string': true }), [
      ': x-kubernetes-int-or-string must not set type',
    ]);
  });

  it('rejects properties together with additionalProperties', () => {
    assert.deepEqual(
      messages({
        type: 'object',
        properties: { a: { type: 'string' } },
        additionalProperties: { type: 'string' },
      }),
      [': sets both properties and additionalProperties'],
    );
  });

  it('rejects arrays without items and required fields that do not exist', () => {
    assert.deepEqual(messages({ type: 'array' }), [': is an array without items']);
    assert.deepEqual(messages({ type: 'object', properties: {}, required: ['x'] }), [
      ': requires x, which is not a property',
    ]);
  });

  it('rejects defaults and enum values that break the schema', () => {
    assert.deepEqual(messages({ type: 'string', pattern: '^[0-9]+s$', default: '1m' }).length, 1);
    assert.deepEqual(messages({ type: 'integer', enum: ['a'] }).length, 1);
  });

  it('rejects list-type map keys that are neither required nor defaulted', () => {
    const items: JSONSchemaProps = { type: 'object', properties: { type: { type: 'string' } } };
    assert.deepEqual(
      messages({
        type: 'array',
        items,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
      [': list-map key type must be required or defaulted'],
    );
  });

  it('rejects metadata fields other than name and generateName at the root', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        metadata: {
          type: 'object',
          properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } },
        },
      },
    };
    assert.deepEqual(messages(schema), [
      'metadata.labels: only name and generateName may be specified at metadata',
    ]);
  });
});
