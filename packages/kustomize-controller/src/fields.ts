import type { FieldSupport } from '@weft/api';

/** The Kustomization spec fields this controller implements; the others stall the object (UnsupportedField). */
export const kustomizationFields: FieldSupport = {
  implemented: [
    'spec.commonMetadata',
    'spec.dependsOn',
    'spec.interval',
    'spec.retryInterval',
    'spec.kubeConfig',
    'spec.path',
    'spec.postBuild',
    'spec.prune',
    'spec.healthChecks',
    'spec.namePrefix',
    'spec.nameSuffix',
    'spec.patches',
    'spec.images',
    'spec.serviceAccountName',
    'spec.sourceRef',
    'spec.suspend',
    'spec.targetNamespace',
    'spec.timeout',
    'spec.force',
    'spec.wait',
    'spec.components',
    'spec.deletionPolicy',
    'spec.decryption',
    'spec.healthCheckExprs',
    'spec.driftIgnoreRules',
  ],
  notImplemented: [],
};
