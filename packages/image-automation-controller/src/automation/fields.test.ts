import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crdSpecSchema, fieldSupportGaps, unsupportedFields } from '@weft/api';
import { imageUpdateAutomationFields } from './fields.ts';

test('ImageUpdateAutomation: every spec field is decided on', () => {
  assert.deepEqual(fieldSupportGaps(crdSpecSchema('ImageUpdateAutomation'), imageUpdateAutomationFields), {
    undecided: [],
    unknown: [],
    both: [],
  });
});

test('push options are refused by name, the default strategy is not', () => {
  const schema = crdSpecSchema('ImageUpdateAutomation');
  const spec = {
    sourceRef: { kind: 'GitRepository', name: 'repo' },
    interval: '1m',
    update: { strategy: 'Setters' },
    git: { commit: { author: { email: 'a@b' } }, push: { options: { ci: 'skip' } } },
  };
  assert.deepEqual(unsupportedFields(schema, spec, imageUpdateAutomationFields.implemented), [
    'spec.git.push.options',
  ]);
});
