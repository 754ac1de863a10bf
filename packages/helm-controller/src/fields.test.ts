import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crdSpecSchema, fieldSupportGaps, unsupportedFields } from '@weft/api';
import { helmReleaseFields } from './fields.ts';

describe('HelmRelease fields', () => {
  it('every HelmRelease spec field is either implemented or refused', () => {
    assert.deepEqual(fieldSupportGaps(crdSpecSchema('HelmRelease'), helmReleaseFields), {
      undecided: [],
      unknown: [],
      both: [],
    });
  });

  it('refuses a set field that is not implemented, naming it, and passes one that asks for nothing', () => {
    const schema = crdSpecSchema('HelmRelease');
    const spec = {
      interval: '1m',
      chartRef: { kind: 'HelmChart', name: 'c' },
      kubeConfig: { secretRef: { name: 'remote' } },
      upgrade: { force: false },
      rollback: { recreate: true, timeout: '1m' },
    };
    assert.deepEqual(unsupportedFields(schema, spec, helmReleaseFields.implemented), [
      'spec.rollback.recreate',
    ]);
    assert.deepEqual(
      unsupportedFields(schema, { ...spec, rollback: { recreate: false } }, helmReleaseFields.implemented),
      [],
    );
  });
});
