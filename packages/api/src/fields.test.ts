import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fieldSupportGaps,
  gitRepositoryDefinition,
  specFieldPaths,
  unsupportedFields,
  unsupportedFieldsMessage,
} from './index.ts';

const schema = gitRepositoryDefinition.spec.json;

describe('specFieldPaths', () => {
  it('lists nested fields and array items of a CRD schema', () => {
    const paths = specFieldPaths(schema);
    assert.ok(paths.includes('spec.url'));
    assert.ok(paths.includes('spec.ref.branch'));
    assert.ok(paths.includes('spec.include[].repository.name'));
    assert.ok(paths.includes('spec.recurseSubmodules'));
    assert.ok(!paths.includes('spec.ref'), 'objects are walked into, not listed');
  });
});

describe('unsupportedFields', () => {
  const implemented = ['spec.url', 'spec.interval', 'spec.ref', 'spec.include[].repository'];

  it('names set fields outside the implemented paths, once each', () => {
    const spec = {
      url: 'https://example.invalid/repo',
      interval: '1m',
      ref: { branch: 'main' },
      recurseSubmodules: true,
      include: [
        { repository: { name: 'a' }, toPath: 'x' },
        { repository: { name: 'b' }, toPath: 'y' },
      ],
    };
    assert.deepEqual(unsupportedFields(schema, spec, implemented), [
      'spec.recurseSubmodules',
      'spec.include[].toPath',
    ]);
  });

  it('takes false, empty and default values as asking for nothing', () => {
    const spec = {
      url: 'u',
      recurseSubmodules: false,
      sparseCheckout: [],
      verify: { mode: 'HEAD' },
      ignore: '',
    };
    assert.deepEqual(unsupportedFields(schema, spec, implemented), []);
    const verify = { mode: 'HEAD', secretRef: { name: 'keys' } };
    assert.deepEqual(unsupportedFields(schema, { url: 'u', verify }, implemented), ['spec.verify']);
    assert.deepEqual(unsupportedFields(schema, { url: 'u', recurseSubmodules: false }, implemented), []);
  });

  it('words the message as a user can act on', () => {
    assert.equal(
      unsupportedFieldsMessage(['spec.recurseSubmodules']),
      'spec.recurseSubmodules is not supported yet: remove it from the spec',
    );
  });
});

describe('fieldSupportGaps', () => {
  it('reports fields neither implemented nor refused, declared paths that do not exist, and paths in both lists', () => {
    const gaps = fieldSupportGaps(schema, {
      implemented: ['spec.url', 'spec.ref'],
      notImplemented: ['spec.nope', 'spec.ref.tag'],
    });
    assert.ok(gaps.undecided.includes('spec.recurseSubmodules'));
    assert.ok(!gaps.undecided.includes('spec.ref.tag'));
    assert.deepEqual(gaps.unknown, ['spec.nope']);
    assert.deepEqual(gaps.both, ['spec.ref.tag']);
  });
});
