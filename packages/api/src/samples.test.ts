import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatErrors,
  invalidSamples,
  kindDefinition,
  kindDefinitions,
  objectSchema,
  samples,
  validate,
} from './index.ts';

describe('samples', () => {
  it('has one sample per kind', () => {
    assert.deepEqual(
      Object.keys(samples).sort(),
      kindDefinitions.map((definition) => definition.kind).sort(),
    );
  });

  for (const [kind, sample] of Object.entries(samples)) {
    it(`${kind} sample is valid against its schema`, () => {
      const definition = kindDefinition(kind);
      assert.ok(definition);
      assert.equal(sample.kind, kind);
      assert.equal(sample.apiVersion, `${definition.group}/${definition.version}`);
      const errors = validate(sample, objectSchema(definition));
      assert.deepEqual(errors, [], formatErrors(errors));
    });
  }

  for (const invalid of invalidSamples.filter((sample) => sample.rejectedBy === 'schema')) {
    it(`rejects ${invalid.kind}: ${invalid.name}, naming ${invalid.field}`, () => {
      const definition = kindDefinition(invalid.kind);
      assert.ok(definition);
      const errors = validate(invalid.object, objectSchema(definition));
      assert.ok(errors.length > 0, 'accepted');
      assert.ok(
        errors.some((error) => error.path === invalid.field),
        `no error names ${invalid.field}:\n${formatErrors(errors)}`,
      );
    });
  }

  it('reports every error of an object, each with its field', () => {
    const definition = kindDefinition('GitRepository');
    assert.ok(definition);
    const object = {
      ...samples.GitRepository,
      spec: { url: 'ftp://x', interval: 'soon', ref: { branch: 1 } },
    };
    const fields = validate(object, objectSchema(definition)).map((error) => error.path);
    assert.deepEqual(fields.sort(), ['spec.interval', 'spec.ref.branch', 'spec.url']);
  });
});
