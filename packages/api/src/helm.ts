/**
 * helm.weft.dev/v1: HelmRelease, a Helm release kept in the state its spec declares. Follows
 * Flux's helm.toolkit.fluxcd.io/v2. The chart template, the Helm actions and the status have
 * modules of their own under helm/.
 */

import {
  installActionSchema,
  rollbackActionSchema,
  testActionSchema,
  uninstallActionSchema,
  upgradeActionSchema,
} from './helm/actions.ts';
import { helmChartTemplateSchema } from './helm/chart-template.ts';
import { helmReleaseStatusSchema, snapshotSchema } from './helm/status.ts';
import { type KindDefinition, revisionColumn, type WeftObject } from './kind.ts';
import {
  commonMetadataSchema,
  imageSchema,
  kubeConfigReferenceSchema,
  patchSchema,
  patchTargetSchema,
} from './kustomize.ts';
import { arr, bool, duration, type Infer, int, json, obj, str } from './schema/builder.ts';
import { intervalSchema, sopsDecryptionSchema, suspendSchema } from './schema/common.ts';

export { helmChartTemplateSchema, helmReleaseStatusSchema, snapshotSchema };

export const HelmGroup = 'helm.weft.dev';
export const HelmVersion = 'v1';
export const HelmApiVersion = `${HelmGroup}/${HelmVersion}` as const;

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
    install: installActionSchema,
    upgrade: upgradeActionSchema,
    test: testActionSchema,
    rollback: rollbackActionSchema,
    uninstall: uninstallActionSchema,
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
