/** source.weft.dev/v1 HelmChart: a chart taken from a HelmRepository, GitRepository or Bucket. */
import { type KindDefinition, revisionColumn, type WeftObject } from '../kind.ts';
import { arr, bool, type Infer, obj, str } from '../schema/builder.ts';
import { artifactSchema, commonStatusFields, intervalSchema, suspendSchema } from '../schema/common.ts';
import { ociVerificationSchema, type SourceApiVersion, sourceKind } from './shared.ts';

export const helmChartSpecSchema = obj(
  {
    chart: str({
      description: 'Chart name in a HelmRepository, or path to the chart in a GitRepository or Bucket.',
    }),
    version: str({
      description: 'SemVer range of the chart version (HelmRepository only); the newest match wins.',
      default: '*',
    }),
    sourceRef: obj(
      {
        apiVersion: str({ description: 'API version of the source.' }),
        kind: str({
          description: 'Kind of the source.',
          enum: ['HelmRepository', 'GitRepository', 'Bucket'],
        }),
        name: str({ description: 'Name of the source, in the same namespace.' }),
      },
      { description: 'The source holding the chart.', required: ['kind', 'name'] },
    ),
    interval: intervalSchema,
    reconcileStrategy: str({
      description:
        'What makes a new artifact: ChartVersion (a new chart version) or Revision (a new source revision, for charts from Git or buckets).',
      enum: ['ChartVersion', 'Revision'],
      default: 'ChartVersion',
    }),
    valuesFiles: arr(str(), {
      description: 'Values files, relative to the source root, merged in order into the chart values.',
    }),
    ignoreMissingValuesFiles: bool({ description: 'Skip values files that are missing instead of failing.' }),
    suspend: suspendSchema,
    verify: ociVerificationSchema,
  },
  { required: ['chart', 'sourceRef', 'interval'] },
);

export const helmChartStatusSchema = obj({
  ...commonStatusFields,
  observedSourceArtifactRevision: str({
    description: 'Revision of the source artifact the chart was built from.',
  }),
  observedChartName: str({ description: 'The chart name last built.' }),
  observedValuesFiles: arr(str(), { description: 'The values files the artifact was built with.' }),
  url: str({ description: 'Address of the last chart artifact.' }),
  artifact: artifactSchema,
});

export type HelmChartSpec = Infer<typeof helmChartSpecSchema>;
export type HelmChartStatus = Infer<typeof helmChartStatusSchema>;
export type HelmChart = WeftObject<typeof SourceApiVersion, 'HelmChart', HelmChartSpec, HelmChartStatus>;

export const HelmChartKind = 'HelmChart';
export const HelmChartPlural = 'helmcharts';
export const helmChartDefinition: KindDefinition<HelmChartSpec, HelmChartStatus> = {
  ...sourceKind,
  kind: HelmChartKind,
  plural: HelmChartPlural,
  singular: 'helmchart',
  shortNames: ['hc'],
  description:
    'A Helm chart taken from a HelmRepository, a GitRepository or a Bucket, packaged as an artifact.',
  spec: helmChartSpecSchema,
  status: helmChartStatusSchema,
  printerColumns: [
    { name: 'Chart', type: 'string', jsonPath: '.spec.chart' },
    { name: 'Version', type: 'string', jsonPath: '.spec.version' },
    { name: 'Source Kind', type: 'string', jsonPath: '.spec.sourceRef.kind' },
    { name: 'Source Name', type: 'string', jsonPath: '.spec.sourceRef.name' },
    revisionColumn('.status.artifact.revision'),
  ],
};
