/** source.weft.dev/v1 HelmRepository: a Helm chart repository index or an OCI registry of charts. */
import { type KindDefinition, revisionColumn, type WeftObject } from '../kind.ts';
import { bool, duration, type Infer, obj, str } from '../schema/builder.ts';
import { accessFromSchema, artifactSchema, commonStatusFields, suspendSchema } from '../schema/common.ts';
import { certSecretRef, type SourceApiVersion, secretRef, sourceKind } from './shared.ts';

export const helmRepositorySpecSchema = obj(
  {
    url: str({
      description: 'URL of the Helm repository index (http, https) or of an OCI registry (oci://).',
      pattern: '^(http|https|oci)://.*$',
    }),
    secretRef: secretRef('Secret with username and password for the repository.'),
    certSecretRef,
    passCredentials: bool({
      description: 'Send the credentials to chart downloads on another host than the repository.',
    }),
    interval: duration({ description: 'How often the repository index is fetched.' }),
    insecure: bool({ description: 'Allow plain HTTP for an OCI registry.' }),
    timeout: duration({ description: 'Timeout for index fetches; 60s when unset.', hours: false }),
    suspend: suspendSchema,
    accessFrom: accessFromSchema,
    type: str({
      description: 'Type of repository: default (an index.yaml over HTTP) or oci.',
      enum: ['default', 'oci'],
    }),
    provider: str({
      description:
        'Cloud provider whose workload identity logs in to an OCI registry; generic uses secretRef.',
      enum: ['generic', 'aws', 'azure', 'gcp'],
      default: 'generic',
    }),
  },
  { required: ['url'] },
);

export const helmRepositoryStatusSchema = obj({
  ...commonStatusFields,
  url: str({ description: 'Address of the last index artifact.' }),
  artifact: artifactSchema,
});

export type HelmRepositorySpec = Infer<typeof helmRepositorySpecSchema>;
export type HelmRepositoryStatus = Infer<typeof helmRepositoryStatusSchema>;
export type HelmRepository = WeftObject<
  typeof SourceApiVersion,
  'HelmRepository',
  HelmRepositorySpec,
  HelmRepositoryStatus
>;

export const HelmRepositoryKind = 'HelmRepository';
export const HelmRepositoryPlural = 'helmrepositories';
export const helmRepositoryDefinition: KindDefinition<HelmRepositorySpec, HelmRepositoryStatus> = {
  ...sourceKind,
  kind: HelmRepositoryKind,
  plural: HelmRepositoryPlural,
  singular: 'helmrepository',
  shortNames: ['helmrepo'],
  description: 'A Helm chart repository (an index.yaml over HTTP) or an OCI registry of charts.',
  spec: helmRepositorySpecSchema,
  status: helmRepositoryStatusSchema,
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url' },
    revisionColumn('.status.artifact.revision', 1),
  ],
};
