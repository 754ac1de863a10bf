import type { FieldSupport } from '@weft/api';

/**
 * The HelmChart spec fields this controller implements; the others stall the object with
 * `UnsupportedField` (see docs/runtime.md, "Unsupported fields").
 */
export const helmChartFields: FieldSupport = {
  implemented: [
    'spec.chart',
    'spec.version',
    'spec.sourceRef',
    'spec.interval',
    'spec.reconcileStrategy',
    'spec.valuesFiles',
    'spec.ignoreMissingValuesFiles',
    'spec.suspend',
    // Keyed cosign for charts from OCI HelmRepositories; notation, keyless and charts from
    // other sources are refused by the verify step, by value.
    'spec.verify.provider',
    'spec.verify.secretRef',
    // Keyless: accepted, and refused by the verify step saying it needs Sigstore's services.
    'spec.verify.matchOIDCIdentity',
  ],
  notImplemented: [],
};
