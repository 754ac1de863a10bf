/** The status of a HelmRelease and the snapshots of the releases it keeps in its history. */
import { arr, int, map, obj, str, time } from '../schema/builder.ts';
import { commonStatusFields } from '../schema/common.ts';

export const snapshotSchema = obj(
  {
    digest: str({ description: 'Checksum of the release object.' }),
    name: str({ description: 'Name of the release.' }),
    namespace: str({ description: 'Namespace the release is in.' }),
    version: int({ description: 'Helm release version.' }),
    status: str({ description: 'Helm status of the release.' }),
    chartName: str({ description: 'Name of the chart.' }),
    chartVersion: str({ description: 'Version of the chart.' }),
    appVersion: str({ description: 'App version of the chart.' }),
    configDigest: str({ description: 'Checksum of the values.' }),
    firstDeployed: time({ description: 'When the release was first deployed.' }),
    lastDeployed: time({ description: 'When the release was last deployed.' }),
    deleted: time({ description: 'When the release was deleted.' }),
    testHooks: map(
      obj({
        lastStarted: time({ description: 'When the test started.' }),
        lastCompleted: time({ description: 'When the test completed.' }),
        phase: str({ description: 'Phase of the test.' }),
      }),
      { description: 'Test hooks of the release, by name.' },
    ),
    ociDigest: str({ description: 'Digest of the OCI artifact the chart came from.' }),
  },
  {
    required: [
      'name',
      'namespace',
      'version',
      'status',
      'chartName',
      'chartVersion',
      'configDigest',
      'firstDeployed',
      'lastDeployed',
    ],
  },
);

export const helmReleaseStatusSchema = obj({
  ...commonStatusFields,
  observedPostRenderersDigest: str({ description: 'Digest of the post-renderers of the last reconcile.' }),
  lastAttemptedGeneration: int({ description: 'The generation of the last release attempt.' }),
  helmChart: str({ description: 'namespace/name of the HelmChart the controller created.' }),
  storageNamespace: str({ description: 'Namespace where Helm stored the last release.' }),
  history: arr(snapshotSchema, { description: 'The latest releases, newest first.' }),
  lastAttemptedReleaseAction: str({
    description: 'The last Helm action attempted.',
    enum: ['install', 'upgrade'],
  }),
  failures: int({ description: 'Failed reconciles since the last success.' }),
  installFailures: int({ description: 'Failed installs since the last success.' }),
  upgradeFailures: int({ description: 'Failed upgrades since the last success.' }),
  lastAttemptedRevision: str({ description: 'The chart version of the last release attempt.' }),
  lastAttemptedRevisionDigest: str({
    description: 'The digest of the chart artifact of the last release attempt.',
  }),
  lastAttemptedValuesChecksum: str({ description: 'Deprecated: see lastAttemptedConfigDigest.' }),
  lastAttemptedConfigDigest: str({ description: 'Digest of the values of the last release attempt.' }),
  lastHandledForceAt: str({ description: 'The last reconcile.weft.dev/forceAt value handled.' }),
  lastHandledResetAt: str({ description: 'The last reconcile.weft.dev/resetAt value handled.' }),
});
