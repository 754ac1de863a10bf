/** The HelmChart template of a HelmRelease: the chart the controller creates a HelmChart for. */
import { arr, bool, duration, map, obj, str } from '../schema/builder.ts';

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
