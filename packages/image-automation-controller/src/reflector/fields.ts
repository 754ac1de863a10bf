import type { FieldSupport } from '@weft/api';

/**
 * ImageRepository spec fields. `provider` other than `generic` (cloud workload identity) and
 * `proxySecretRef` are refused for now: the object is Stalled naming the field.
 */
export const imageRepositoryFields: FieldSupport = {
  implemented: [
    'spec.image',
    'spec.interval',
    'spec.timeout',
    'spec.secretRef',
    'spec.certSecretRef',
    'spec.serviceAccountName',
    'spec.insecure',
    'spec.exclusionList',
    'spec.accessFrom',
    'spec.suspend',
  ],
  notImplemented: ['spec.provider', 'spec.proxySecretRef'],
};

export const imagePolicyFields: FieldSupport = {
  implemented: [
    'spec.imageRepositoryRef',
    'spec.policy',
    'spec.filterTags',
    'spec.digestReflectionPolicy',
    'spec.interval',
    'spec.suspend',
  ],
  notImplemented: [],
};
