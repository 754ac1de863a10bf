/**
 * helm.weft.dev/v1: HelmRelease, a Helm release kept in the state its spec declares. Follows
 * Flux's helm.toolkit.fluxcd.io/v2.
 *
 * Over 400 lines on purpose: one API group's schemas, read top to bottom like Flux's API
 * reference; split by kind, the shared sub-schemas would sit in a file of their own and be
 * harder to check against it.
 */
import { type KindDefinition, revisionColumn, type WeftObject } from './kind.ts';
import {
  commonMetadataSchema,
  imageSchema,
  kubeConfigReferenceSchema,
  patchSchema,
  patchTargetSchema,
} from './kustomize.ts';
import { arr, bool, duration, type Infer, int, json, map, obj, str, time } from './schema/builder.ts';
import { commonStatusFields, intervalSchema, sopsDecryptionSchema, suspendSchema } from './schema/common.ts';

export const HelmGroup = 'helm.weft.dev';
export const HelmVersion = 'v1';
export const HelmApiVersion = `${HelmGroup}/${HelmVersion}` as const;

const crdsPolicy = (description: string) => str({ description, enum: ['Skip', 'Create', 'CreateReplace'] });
const actionTimeout = duration({ description: 'Timeout of the Helm action; spec.timeout when unset.' });
const disableWait = bool({ description: 'Do not wait for resources to be ready after the action.' });
const disableWaitForJobs = bool({ description: 'Do not wait for Jobs to complete after the action.' });
const disableHooks = bool({ description: 'Do not run hooks during the action.' });

export const helmChartTemplateSchema = obj(
  {
    metadata: obj(
      {
        labels: map(str(), { description: 'Labels of the HelmChart.' }),
        annotations: map(str(), { description: 'Annotations of the HelmChart.' }),
      },
      { description: 'Metadata of the HelmChart the controller creates.' },
    ),
    spec: obj(
      {
        chart: str({
          description: 'Chart name in the HelmRepository, or path to the chart in a GitRepository or Bucket.',
          minLength: 1,
          maxLength: 2048,
        }),
        version: str({
          description: 'SemVer range of the chart version (HelmRepository only).',
          default: '*',
        }),
        sourceRef: obj(
          {
            apiVersion: str({ description: 'API version of the source.' }),
            kind: str({
              description: 'Kind of the source.',
              enum: ['HelmRepository', 'GitRepository', 'Bucket'],
            }),
            name: str({ description: 'Name of the source.', minLength: 1, maxLength: 253 }),
            namespace: str({
              description: 'Namespace of the source; the HelmRelease namespace when unset.',
              minLength: 1,
              maxLength: 63,
            }),
          },
          { description: 'The source holding the chart.', required: ['kind', 'name'] },
        ),
        interval: duration({
          description: 'How often the chart source is checked; spec.interval when unset.',
        }),
        reconcileStrategy: str({
          description: 'What makes a new chart artifact: ChartVersion or Revision.',
          enum: ['ChartVersion', 'Revision'],
          default: 'ChartVersion',
        }),
        valuesFiles: arr(str(), {
          description: 'Values files of the chart source merged into the chart defaults.',
        }),
        ignoreMissingValuesFiles: bool({ description: 'Skip values files that are missing.' }),
        verify: obj(
          {
            provider: str({
              description: 'The verification tool.',
              enum: ['cosign', 'notation'],
              default: 'cosign',
            }),
            secretRef: obj(
              { name: str({ description: 'Name of the Secret.' }) },
              { description: 'Secret with trusted keys.', required: ['name'] },
            ),
          },
          { description: 'Verify the chart signature (OCI charts).', required: ['provider'] },
        ),
      },
      { description: 'Spec of the HelmChart the controller creates.', required: ['chart', 'sourceRef'] },
    ),
  },
  { description: 'Template of the HelmChart to create for this release.', required: ['spec'] },
);

export const helmReleaseSpecSchema = obj(
  {
    chart: helmChartTemplateSchema,
    chartRef: obj(
      {
        apiVersion: str({ description: 'API version of the referent.' }),
        kind: str({ description: 'Kind of the referent.', enum: ['OCIRepository', 'HelmChart'] }),
        name: str({ description: 'Name of the referent.', minLength: 1, maxLength: 253 }),
        namespace: str({
          description: 'Namespace of the referent; the HelmRelease namespace when unset.',
          minLength: 1,
          maxLength: 63,
        }),
      },
      {
        description:
          'An existing OCIRepository or HelmChart whose artifact is the chart; exclusive with chart.',
        required: ['kind', 'name'],
      },
    ),
    interval: intervalSchema,
    kubeConfig: kubeConfigReferenceSchema,
    suspend: suspendSchema,
    releaseName: str({
      description: 'Name of the Helm release; [<targetNamespace>-]<name> when unset.',
      minLength: 1,
      maxLength: 53,
    }),
    targetNamespace: str({
      description: 'Namespace the release is installed into.',
      minLength: 1,
      maxLength: 63,
    }),
    storageNamespace: str({
      description: 'Namespace where Helm stores the release.',
      minLength: 1,
      maxLength: 63,
    }),
    dependsOn: arr(
      obj(
        {
          apiVersion: str({
            description: "API version of the dependency; its kind's weft version when unset.",
          }),
          kind: str({
            description: 'Kind of the dependency: HelmRelease (default) or Kustomization.',
            enum: ['HelmRelease', 'Kustomization'],
          }),
          name: str({ description: 'Name of the dependency.' }),
          namespace: str({
            description: 'Namespace of the dependency; the HelmRelease namespace when unset.',
          }),
        },
        { required: ['name'] },
      ),
      {
        description:
          'HelmReleases (or Kustomizations, with kind) that must be Ready at their current generation before this one is reconciled.',
      },
    ),
    timeout: duration({ description: 'Timeout of each Helm action; 5m when unset.' }),
    maxHistory: int({
      description: 'Release revisions Helm keeps; 5 when unset, 0 keeps all.',
      format: 'int32',
    }),
    serviceAccountName: str({
      description: 'ServiceAccount to impersonate for Helm actions.',
      minLength: 1,
      maxLength: 253,
    }),
    persistentClient: bool({
      description: 'Keep one Kubernetes client for all Helm actions of a reconcile; true when unset.',
    }),
    driftDetection: obj(
      {
        mode: str({
          description: 'enabled corrects drift, warn only reports it, disabled ignores it.',
          enum: ['enabled', 'warn', 'disabled'],
        }),
        ignore: arr(
          obj(
            {
              paths: arr(str(), { description: 'JSON pointers to fields to ignore.' }),
              target: patchTargetSchema,
            },
            { required: ['paths'] },
          ),
          { description: 'Fields drift detection ignores.' },
        ),
      },
      { description: 'Detect and correct changes made to the release objects in the cluster.' },
    ),
    install: obj(
      {
        timeout: actionTimeout,
        remediation: obj(
          {
            retries: int({
              description: 'Retries after a failed install; negative retries forever.',
              format: 'int32',
            }),
            ignoreTestFailures: bool({ description: 'Do not remediate failed tests.' }),
            remediateLastFailure: bool({
              description: 'Remediate the last failure when retries are exhausted.',
            }),
          },
          { description: 'What to do when the install fails.' },
        ),
        disableWait,
        disableWaitForJobs,
        disableHooks,
        disableOpenAPIValidation: bool({
          description: 'Do not validate rendered templates against the Kubernetes OpenAPI schema.',
        }),
        disableSchemaValidation: bool({
          description: 'Do not validate values against the chart JSON schema.',
        }),
        replace: bool({ description: 'Reuse the name of a deleted release that is still in history.' }),
        skipCRDs: bool({ description: 'Deprecated: use crds: Skip.' }),
        crds: crdsPolicy('What to do with the chart CRDs on install; Create when unset.'),
        createNamespace: bool({ description: 'Create the target namespace if missing.' }),
      },
      { description: 'Configuration of Helm install actions.' },
    ),
    upgrade: obj(
      {
        timeout: actionTimeout,
        remediation: obj(
          {
            retries: int({
              description: 'Retries after a failed upgrade; negative retries forever.',
              format: 'int32',
            }),
            ignoreTestFailures: bool({ description: 'Do not remediate failed tests.' }),
            remediateLastFailure: bool({
              description: 'Remediate the last failure when retries are exhausted.',
            }),
            strategy: str({
              description: 'How to remediate: rollback or uninstall.',
              enum: ['rollback', 'uninstall'],
            }),
          },
          { description: 'What to do when the upgrade fails.' },
        ),
        disableWait,
        disableWaitForJobs,
        disableHooks,
        disableOpenAPIValidation: bool({
          description: 'Do not validate rendered templates against the Kubernetes OpenAPI schema.',
        }),
        disableSchemaValidation: bool({
          description: 'Do not validate values against the chart JSON schema.',
        }),
        force: bool({ description: 'Replace resources through delete and recreate when needed.' }),
        preserveValues: bool({
          description: 'Reuse the values of the last release, merged with the new ones.',
        }),
        cleanupOnFail: bool({ description: 'Delete new resources created by a failed upgrade.' }),
        crds: crdsPolicy('What to do with the chart CRDs on upgrade; Skip when unset.'),
      },
      { description: 'Configuration of Helm upgrade actions.' },
    ),
    test: obj(
      {
        enable: bool({ description: 'Run the chart tests after install and upgrade.' }),
        timeout: actionTimeout,
        ignoreFailures: bool({ description: 'Do not fail the release when tests fail.' }),
        filters: arr(
          obj(
            {
              name: str({ description: 'Name of the test.', minLength: 1, maxLength: 253 }),
              exclude: bool({ description: 'Exclude instead of include the test.' }),
            },
            { required: ['name'] },
          ),
          { description: 'Which tests to run.' },
        ),
      },
      { description: 'Configuration of Helm test actions.' },
    ),
    rollback: obj(
      {
        timeout: actionTimeout,
        disableWait,
        disableWaitForJobs,
        disableHooks,
        recreate: bool({ description: 'Restart pods of the rolled-back resources.' }),
        force: bool({ description: 'Replace resources through delete and recreate when needed.' }),
        cleanupOnFail: bool({ description: 'Delete new resources created by a failed rollback.' }),
      },
      { description: 'Configuration of Helm rollback actions.' },
    ),
    uninstall: obj(
      {
        timeout: actionTimeout,
        disableHooks,
        keepHistory: bool({ description: 'Keep the release history after uninstalling.' }),
        disableWait,
        deletionPropagation: str({
          description: 'How dependents are deleted.',
          enum: ['background', 'foreground', 'orphan'],
          default: 'background',
        }),
      },
      { description: 'Configuration of Helm uninstall actions.' },
    ),
    valuesFrom: arr(
      obj(
        {
          kind: str({ description: 'Kind of the object.', enum: ['Secret', 'ConfigMap'] }),
          name: str({
            description: 'Name of the object, in the HelmRelease namespace.',
            minLength: 1,
            maxLength: 253,
          }),
          valuesKey: str({
            description: 'Key holding the values; values.yaml when unset.',
            maxLength: 253,
            pattern: '^[\\-._a-zA-Z0-9]+$',
          }),
          targetPath: str({
            description:
              'Path (Helm --set syntax) the value of the key is set at, instead of merging a YAML document.',
            maxLength: 250,
            pattern: '^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$',
          }),
          optional: bool({ description: 'Carry on when the object or key is missing.' }),
        },
        { required: ['kind', 'name'] },
      ),
      { description: 'ConfigMaps and Secrets with values, merged in order; spec.values is merged last.' },
    ),
    values: json({ description: 'Values for the chart, merged over valuesFrom.' }),
    decryption: sopsDecryptionSchema(
      'Decrypt SOPS-encrypted valuesFrom Secrets and ConfigMaps and chart valuesFiles in memory before merging values (beyond Flux).',
    ),
    postRenderers: arr(
      obj({
        kustomize: obj(
          {
            patches: arr(patchSchema, { description: 'Patches applied to the rendered manifests.' }),
            images: arr(imageSchema, { description: 'Image overrides applied to the rendered manifests.' }),
          },
          { description: 'A kustomize post-renderer.' },
        ),
      }),
      { description: 'Post-renderers applied to the rendered manifests, in order.' },
    ),
    commonMetadata: commonMetadataSchema,
  },
  {
    required: ['interval'],
    validations: [
      {
        rule: '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))',
        message: 'either chart or chartRef must be set',
      },
    ],
  },
);

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

export type HelmChartTemplate = Infer<typeof helmChartTemplateSchema>;
export type HelmReleaseSnapshot = Infer<typeof snapshotSchema>;
export type HelmReleaseSpec = Infer<typeof helmReleaseSpecSchema>;
export type HelmReleaseStatus = Infer<typeof helmReleaseStatusSchema>;
export type HelmRelease = WeftObject<
  typeof HelmApiVersion,
  'HelmRelease',
  HelmReleaseSpec,
  HelmReleaseStatus
>;

export const HelmReleaseKind = 'HelmRelease';
export const HelmReleasePlural = 'helmreleases';
export const helmReleaseDefinition: KindDefinition<HelmReleaseSpec, HelmReleaseStatus> = {
  group: HelmGroup,
  version: HelmVersion,
  kind: HelmReleaseKind,
  plural: HelmReleasePlural,
  singular: 'helmrelease',
  shortNames: ['hr'],
  categories: ['weft'],
  description:
    'A Helm release: installs, upgrades, tests and remediates a chart with the given values, and corrects drift.',
  spec: helmReleaseSpecSchema,
  status: helmReleaseStatusSchema,
  printerColumns: [revisionColumn('.status.lastAttemptedRevision')],
};
