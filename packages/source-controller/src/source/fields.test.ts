import assert from 'node:assert/strict';
import { it } from 'node:test';
import { crdSpecSchema, type FieldSupport, fieldSupportGaps, unsupportedFields } from '@weft/api';
import { bucketFields } from '../bucket/fields.ts';
import { gitRepositoryFields } from '../gitrepository/fields.ts';
import { helmChartFields } from '../helmchart/fields.ts';
import { helmRepositoryFields } from '../helmrepository/fields.ts';
import { ociRepositoryFields } from '../ocirepository/fields.ts';

const declarations: Record<string, FieldSupport> = {
  GitRepository: gitRepositoryFields,
  HelmRepository: helmRepositoryFields,
  HelmChart: helmChartFields,
  OCIRepository: ociRepositoryFields,
  Bucket: bucketFields,
};

for (const [kind, fields] of Object.entries(declarations)) {
  it(`every ${kind} spec field is either implemented or refused`, () => {
    assert.deepEqual(fieldSupportGaps(crdSpecSchema(kind), fields), { undecided: [], unknown: [], both: [] });
  });
}

it('a set field that is not implemented is named; defaults and implemented fields pass', () => {
  const refused = (kind: string, spec: Record<string, unknown>) =>
    unsupportedFields(crdSpecSchema(kind), spec, declarations[kind]?.implemented ?? []);
  const bucket = { bucketName: 'b', endpoint: 's3:9000', interval: '1m' };
  assert.deepEqual(refused('Bucket', { ...bucket, provider: 'generic', region: 'eu-1' }), []);
  assert.deepEqual(
    refused('Bucket', { ...bucket, provider: 'aws', sts: { provider: 'aws', endpoint: 'https://x' } }),
    ['spec.provider', 'spec.sts'],
  );
  const oci = { url: 'oci://r.io/app', interval: '1m' };
  assert.deepEqual(
    refused('OCIRepository', { ...oci, verify: { provider: 'cosign', secretRef: { name: 'k' } } }),
    [],
  );
  assert.deepEqual(refused('OCIRepository', { ...oci, proxySecretRef: { name: 'p' } }), []);
  assert.deepEqual(refused('OCIRepository', { ...oci, provider: 'aws' }), ['spec.provider']);
  assert.deepEqual(
    refused('HelmRepository', {
      url: 'https://charts',
      accessFrom: { namespaceSelectors: [{ matchLabels: { a: 'b' } }] },
    }),
    ['spec.accessFrom'],
  );
});
