import type { FieldSupport } from '@weft/api';

/**
 * The GitRepository spec fields this controller implements; the others stall the object with
 * `UnsupportedField` until they are (see docs/runtime.md, "Unsupported fields").
 */
export const gitRepositoryFields: FieldSupport = {
  implemented: [
    'spec.url',
    'spec.secretRef',
    'spec.interval',
    'spec.timeout',
    'spec.ref',
    'spec.verify',
    'spec.ignore',
    'spec.suspend',
    'spec.include',
    'spec.sparseCheckout',
  ],
  // spec.provider at its default (generic) asks for nothing and passes; azure and github stall.
  notImplemented: [
    'spec.provider',
    'spec.proxySecretRef',
    'spec.recurseSubmodules',
    'spec.serviceAccountName',
  ],
};
