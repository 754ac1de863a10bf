import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fieldSupportGaps, gitRepositoryDefinition } from '@weft/api';
import { gitRepositoryFields } from './fields.ts';

it('every GitRepository spec field is either implemented or refused', () => {
  assert.deepEqual(fieldSupportGaps(gitRepositoryDefinition.spec.json, gitRepositoryFields), {
    undecided: [],
    unknown: [],
  });
});
