import assert from 'node:assert/strict';
import { it } from 'node:test';
import { crdSpecSchema, fieldSupportGaps } from '@weft/api';
import { kustomizationFields } from './fields.ts';

it('every Kustomization spec field is either implemented or refused', () => {
  assert.deepEqual(fieldSupportGaps(crdSpecSchema('Kustomization'), kustomizationFields), {
    undecided: [],
    unknown: [],
    both: [],
  });
});
