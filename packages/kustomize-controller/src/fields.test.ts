import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fieldSupportGaps, kustomizationDefinition } from '@weft/api';
import { kustomizationFields } from './fields.ts';

it('every Kustomization spec field is either implemented or refused', () => {
  assert.deepEqual(fieldSupportGaps(kustomizationDefinition.spec.json, kustomizationFields), {
    undecided: [],
    unknown: [],
  });
});
