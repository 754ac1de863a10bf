import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  alertDefinition,
  crdSpecSchema,
  fieldSupportGaps,
  providerDefinition,
  receiverDefinition,
} from '@weft/api';
import { alertFields, providerFields, receiverFields } from './fields.ts';

for (const [definition, fields] of [
  [providerDefinition, providerFields],
  [alertDefinition, alertFields],
  [receiverDefinition, receiverFields],
] as const) {
  it(`every ${definition.kind} spec field is either implemented or refused`, () => {
    assert.deepEqual(fieldSupportGaps(crdSpecSchema(definition.kind), fields), {
      undecided: [],
      unknown: [],
      both: [],
    });
  });
}
