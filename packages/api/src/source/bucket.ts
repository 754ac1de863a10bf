/** source.weft.dev/v1 Bucket: the objects of an S3-compatible or cloud object store bucket. */
import { type KindDefinition, revisionColumn, type WeftObject } from '../kind.ts';
import { bool, type Infer, obj, str } from '../schema/builder.ts';
import { artifactSchema, commonStatusFields, intervalSchema, suspendSchema } from '../schema/common.ts';
import {
  certSecretRef,
  ignore,
  proxySecretRef,
  type SourceApiVersion,
  secretRef,
  sourceKind,
  timeout,
} from './shared.ts';

export const bucketSpecSchema = obj(
  {
    provider: str({
      description: 'S3-compatible API (generic), or a cloud provider with its own API and identity.',
      enum: ['generic', 'aws', 'gcp', 'azure'],
      default: 'generic',
    }),
    bucketName: str({ description: 'Name of the bucket.' }),
    endpoint: str({ description: 'Address of the object storage service, host[:port].' }),
    sts: obj(
      {
        provider: str({ description: 'The STS provider.', enum: ['aws', 'ldap'] }),
        endpoint: str({ description: 'Address of the STS service.', pattern: '^(http|https)://.*$' }),
        secretRef: secretRef('Secret with credentials for the STS service.'),
        certSecretRef: secretRef('Secret with TLS material for the STS service.'),
      },
      {
        description: 'Security Token Service to get temporary credentials from.',
        required: ['provider', 'endpoint'],
      },
    ),
    insecure: bool({ description: 'Use plain HTTP to the endpoint.' }),
    region: str({ description: 'Region of the bucket.' }),
    prefix: str({ description: 'Only objects under this key prefix are fetched.' }),
    secretRef: secretRef('Secret with accesskey and secretkey (or the provider-specific fields).'),
    certSecretRef,
    proxySecretRef,
    interval: intervalSchema,
    timeout,
    ignore,
    suspend: suspendSchema,
  },
  {
    required: ['bucketName', 'endpoint', 'interval'],
    validations: [
      {
        rule: "self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)",
        message: 'STS configuration is only supported for the aws and generic Bucket providers',
      },
      {
        rule: "self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'",
        message: "'aws' is the only supported STS provider for the 'aws' Bucket provider",
      },
      {
        rule: "self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'",
        message: "'ldap' is the only supported STS provider for the 'generic' Bucket provider",
      },
    ],
  },
);

export const bucketStatusSchema = obj({
  ...commonStatusFields,
  url: str({ description: 'Address of the last artifact.' }),
  artifact: artifactSchema,
  observedIgnore: str({ description: 'The spec.ignore the artifact was built with.' }),
});

export type BucketSpec = Infer<typeof bucketSpecSchema>;
export type BucketStatus = Infer<typeof bucketStatusSchema>;
export type Bucket = WeftObject<typeof SourceApiVersion, 'Bucket', BucketSpec, BucketStatus>;

export const BucketKind = 'Bucket';
export const BucketPlural = 'buckets';
export const bucketDefinition: KindDefinition<BucketSpec, BucketStatus> = {
  ...sourceKind,
  kind: BucketKind,
  plural: BucketPlural,
  singular: 'bucket',
  shortNames: [],
  description: 'A bucket of an S3-compatible, AWS, GCS or Azure object store, published as an artifact.',
  spec: bucketSpecSchema,
  status: bucketStatusSchema,
  printerColumns: [
    { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint' },
    revisionColumn('.status.artifact.revision'),
  ],
};
