import assert from 'node:assert/strict';
import { it } from 'node:test';
import { crdSpecSchema, fieldSupportGaps } from '@weft/api';
import { gitRepositoryFields } from './fields.ts';

it('every GitRepository spec field is either implemented or refused', () => {
  assert.deepEqual(fieldSupportGaps(crdSpecSchema('GitRepository'), gitRepositoryFields), {
    undecided: [],
    unknown: [],
    both: [],
  });
});
