/**
 * Which HelmRelease spec fields this controller implements. The runtime stalls a HelmRelease that
 * sets a field outside `implemented` (UnsupportedField, naming it) before reconcile runs; the
 * unit test beside this file fails when the CRD schema gains a field neither list names.
 */
import type { FieldSupport } from '@weft/api';

export const helmReleaseFields: FieldSupport = {
  implemented: [
    'spec.chart',
    'spec.chartRef',
    'spec.interval',
    'spec.kubeConfig',
    'spec.suspend',
    'spec.releaseName',
    'spec.targetNamespace',
    'spec.storageNamespace',
    'spec.dependsOn',
    'spec.timeout',
    'spec.maxHistory',
    'spec.serviceAccountName',
    // Every helm process and every apply has its own client: nothing to configure.
    'spec.persistentClient',
    'spec.driftDetection',
    'spec.install',
    'spec.upgrade',
    'spec.test',
    'spec.rollback.timeout',
    'spec.rollback.disableWait',
    'spec.rollback.disableWaitForJobs',
    'spec.rollback.disableHooks',
    'spec.rollback.force',
    'spec.rollback.cleanupOnFail',
    'spec.uninstall',
    'spec.valuesFrom',
    'spec.values',
    'spec.decryption',
    'spec.postRenderers',
    'spec.commonMetadata',
  ],
  notImplemented: [
    // Gone from Helm 4's rollback; Flux keeps it only as a deprecated field.
    'spec.rollback.recreate',
  ],
};
