import type { FieldSupport } from '@weft/api';

/**
 * The Bucket spec fields this controller implements; the others stall the object with
 * `UnsupportedField` (see docs/runtime.md, "Unsupported fields").
 */
export const bucketFields: FieldSupport = {
  implemented: [
    'spec.bucketName',
    'spec.endpoint',
    'spec.insecure',
    'spec.region',
    'spec.prefix',
    'spec.secretRef',
    'spec.certSecretRef',
    'spec.proxySecretRef',
    'spec.interval',
    'spec.timeout',
    'spec.ignore',
    'spec.suspend',
  ],
  // spec.provider at its default (generic) passes; aws, gcp and azure need the clouds' own
  // endpoints and identity, out of reach here.
  notImplemented: ['spec.provider', 'spec.sts'],
};
