import type { FieldSupport } from '@weft/api';

/**
 * The HelmRepository spec fields this controller implements; the others stall the object with
 * `UnsupportedField` (see docs/runtime.md, "Unsupported fields").
 */
export const helmRepositoryFields: FieldSupport = {
  implemented: [
    'spec.url',
    'spec.type',
    'spec.secretRef',
    'spec.certSecretRef',
    'spec.passCredentials',
    'spec.insecure',
    'spec.interval',
    'spec.timeout',
    'spec.suspend',
  ],
  // spec.provider at its default (generic) passes; aws, azure and gcp stall.
  notImplemented: ['spec.provider', 'spec.accessFrom'],
};
