/** source.weft.dev/v1 OCIRepository: an OCI artifact pulled from a container registry. */
import { type KindDefinition, revisionColumn, type WeftObject } from '../kind.ts';
import { bool, type Infer, obj, str } from '../schema/builder.ts';
import { artifactSchema, commonStatusFields, intervalSchema, suspendSchema } from '../schema/common.ts';
import {
  certSecretRef,
  ignore,
  ociVerificationSchema,
  proxySecretRef,
  type SourceApiVersion,
  secretRef,
  sourceKind,
  timeout,
} from './shared.ts';

export const ociRepositoryRefSchema = obj(
  {
    digest: str({
      description: 'Image digest to pull (sha256:<hex>); takes precedence over semver and tag.',
    }),
    semver: str({ description: 'SemVer range of tags to pick the newest from; takes precedence over tag.' }),
    semverFilter: str({ description: 'Regular expression tags must match before the semver range applies.' }),
    tag: str({ description: 'Tag to pull; latest when no ref is given.' }),
  },
  { description: 'The OCI reference to pull and watch.' },
);

export const ociRepositorySpecSchema = obj(
  {
    url: str({
      description: 'Address of the OCI repository, oci://<host>/<path>, without a tag.',
      pattern: '^oci://.*$',
    }),
    ref: ociRepositoryRefSchema,
    layerSelector: obj(
      {
        mediaType: str({ description: 'Media type of the layer to take; the first layer when unset.' }),
        operation: str({
          description: 'extract the layer tarball into the artifact, or copy it as is.',
          enum: ['extract', 'copy'],
        }),
      },
      { description: 'Which layer of the artifact to use.' },
    ),
    provider: str({
      description: 'Cloud provider whose workload identity logs in to the registry; generic uses secretRef.',
      enum: ['generic', 'aws', 'azure', 'gcp'],
      default: 'generic',
    }),
    secretRef: secretRef('Secret of type kubernetes.io/dockerconfigjson with registry credentials.'),
    verify: ociVerificationSchema,
    serviceAccountName: str({ description: 'ServiceAccount whose image pull secrets are used to log in.' }),
    certSecretRef,
    proxySecretRef,
    interval: intervalSchema,
    timeout,
    ignore,
    insecure: bool({ description: 'Allow plain HTTP to the registry.' }),
    suspend: suspendSchema,
  },
  { required: ['url', 'interval'] },
);

export const ociRepositoryStatusSchema = obj({
  ...commonStatusFields,
  url: str({ description: 'Address of the last artifact.' }),
  artifact: artifactSchema,
  observedIgnore: str({ description: 'The spec.ignore the artifact was built with.' }),
  observedLayerSelector: obj(
    {
      mediaType: str({ description: 'Media type of the layer.' }),
      operation: str({ description: 'How the layer was used.', enum: ['extract', 'copy'] }),
    },
    { description: 'The spec.layerSelector the artifact was built with.' },
  ),
});

export type OCIRepositoryRef = Infer<typeof ociRepositoryRefSchema>;
export type OCIRepositorySpec = Infer<typeof ociRepositorySpecSchema>;
export type OCIRepositoryStatus = Infer<typeof ociRepositoryStatusSchema>;
export type OCIRepository = WeftObject<
  typeof SourceApiVersion,
  'OCIRepository',
  OCIRepositorySpec,
  OCIRepositoryStatus
>;

export const OCIRepositoryKind = 'OCIRepository';
export const OCIRepositoryPlural = 'ocirepositories';
export const ociRepositoryDefinition: KindDefinition<OCIRepositorySpec, OCIRepositoryStatus> = {
  ...sourceKind,
  kind: OCIRepositoryKind,
  plural: OCIRepositoryPlural,
  singular: 'ocirepository',
  shortNames: ['ocirepo'],
  description:
    'An OCI artifact in a container registry: the controller pulls a tag, semver range or digest and publishes its content.',
  spec: ociRepositorySpecSchema,
  status: ociRepositoryStatusSchema,
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url' },
    revisionColumn('.status.artifact.revision'),
  ],
};
