import type { FieldSupport } from '@weft/api';

/**
 * The OCIRepository spec fields this controller implements; the others stall the object with
 * `UnsupportedField` (see docs/runtime.md, "Unsupported fields").
 */
export const ociRepositoryFields: FieldSupport = {
  implemented: [
    'spec.url',
    'spec.ref',
    'spec.layerSelector',
    'spec.secretRef',
    'spec.serviceAccountName',
    'spec.certSecretRef',
    'spec.proxySecretRef',
    'spec.insecure',
    'spec.interval',
    'spec.timeout',
    'spec.ignore',
    'spec.suspend',
    // provider notation and keyless (no secretRef) are refused by the verify step, by value.
    'spec.verify.provider',
    'spec.verify.secretRef',
    // Keyless: accepted, and refused by the verify step saying it needs Sigstore's services.
    'spec.verify.matchOIDCIdentity',
  ],
  // spec.provider at its default (generic) asks for nothing and passes; aws, azure, gcp stall.
  notImplemented: ['spec.provider'],
};
