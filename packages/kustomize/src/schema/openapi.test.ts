import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KustomizeError } from '../errors.ts';
import { schemaFromOpenApi } from './openapi.ts';

describe('custom openapi schema', () => {
  it('reads kinds, $ref and inline schemas, merge keys and multi-key list maps', () => {
    const schema = schemaFromOpenApi(
      {
        components: {
          schemas: {
            Top: {
              'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Top' }],
              properties: { spec: { $ref: '#/components/schemas/Spec' } },
            },
            Spec: {
              properties: {
                inline: {
                  type: 'object',
                  properties: {
                    ports: {
                      type: 'array',
                      'x-kubernetes-patch-strategy': 'merge',
                      'x-kubernetes-patch-merge-key': 'port',
                      'x-kubernetes-list-map-keys': ['port', 'protocol'],
                      items: { type: 'object' },
                    },
                  },
                },
              },
            },
          },
        },
      },
      'schema.json',
    );
    assert.equal(schema.kinds['v1/Top'], 'Top');
    assert.deepEqual(schema.types.Top, { spec: { t: 'Spec' } });
    assert.deepEqual(schema.types['Spec.inline']?.ports, {
      l: 1,
      k: 'port',
      s: 'merge',
      mk: ['port', 'protocol'],
    });
  });

  it('refuses a document without definitions', () => {
    assert.throws(() => schemaFromOpenApi({ swagger: '2.0' }, 'x.json'), KustomizeError);
  });
});
