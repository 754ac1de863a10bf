import assert from 'node:assert/strict';
import { it } from 'node:test';
import { crdSpecSchema, fieldSupportGaps } from '@weft/api';
import { imagePolicyFields, imageRepositoryFields } from './fields.ts';

it('every ImageRepository and ImagePolicy spec field is either implemented or refused', () => {
  for (const [kind, fields] of [
    ['ImageRepository', imageRepositoryFields],
    ['ImagePolicy', imagePolicyFields],
  ] as const)
    assert.deepEqual(
      fieldSupportGaps(crdSpecSchema(kind), fields),
      { undecided: [], unknown: [], both: [] },
      kind,
    );
});
