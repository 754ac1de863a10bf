/**
 * source.weft.dev/v1: where artifacts come from. Fields, defaults and meanings follow Flux's
 * source.toolkit.fluxcd.io v1 APIs (OCIRepository as v1beta2).
 *
 * Over 400 lines on purpose: one API group's schemas (four kinds), read top to bottom like
 * Flux's API reference; split by kind, the shared sub-schemas would sit in a file of their own
 * and be harder to check against it.
 */
import { type KindDefinition, revisionColumn, type WeftObject } from './kind.ts';
import { arr, bool, describe, duration, type Infer, obj, str } from './schema/builder.ts';
import {
  accessFromSchema,
  artifactSchema,
  commonStatusFields,
  intervalSchema,
  localObjectReferenceSchema,
  suspendSchema,
} from './schema/common.ts';

export const SourceGroup = 'source.weft.dev';
export const SourceVersion = 'v1';
export const SourceApiVersion = `${SourceGroup}/${SourceVersion}` as const;
const categories = ['weft', 'weft-sources'] as const;

const timeout = duration({
  description: 'Timeout for fetch operations.',
  hours: false,
  default: '60s',
});
const secretRef = (what: string) => describe(localObjectReferenceSchema, what);
const ignore = str({
  description:
    'Paths to leave out of the artifact, in .gitignore format. When set, it replaces the default ignore list; .sourceignore files in the source add to it.',
});
const certSecretRef = secretRef(
  'Secret with TLS material: ca.crt to verify the server, tls.crt and tls.key for a client certificate.',
);
const proxySecretRef = secretRef(
  'Secret with the proxy to use: address, and optionally username and password.',
);

/** Verification of OCI artifacts (Helm charts in OCI, OCIRepository) with cosign or notation. */
const ociVerificationSchema = obj(
  {
    provider: str({
      description: 'The verification tool.',
      enum: ['cosign', 'notation'],
      default: 'cosign',
    }),
    secretRef: secretRef(
      'Secret with the trusted public keys (cosign) or certificates and trust policy (notation).',
    ),
    matchOIDCIdentity: arr(
      obj(
        {
          issuer: str({ description: 'Regular expression the OIDC issuer must match.' }),
          subject: str({ description: 'Regular expression the OIDC subject must match.' }),
        },
        { required: ['issuer', 'subject'] },
      ),
      { description: 'Identities keyless signatures must match; any one suffices.' },
    ),
  },
  { description: 'Verify the signature of the artifact.', required: ['provider'] },
);

// ---------------------------------------------------------------------------------------------
// GitRepository

export const gitRepositoryRefSchema = obj(
  {
    branch: str({ description: 'Branch to check out; the controller uses master when no ref is given.' }),
    tag: str({ description: 'Tag to check out; takes precedence over branch.' }),
    semver: str({ description: 'SemVer range of tags to pick the newest from; takes precedence over tag.' }),
    name: str({
      description:
        'Reference name to check out, e.g. refs/heads/main or refs/pull/420/head; takes precedence over semver.',
    }),
    commit: str({
      description:
        'Commit SHA to check out; takes precedence over everything else, and with a branch it must be on that branch.',
    }),
  },
  { description: 'The Git reference to check out and watch.' },
);

const gitIncludeSchema = obj(
  {
    repository: describe(localObjectReferenceSchema, 'The GitRepository to include.'),
    fromPath: str({ description: 'Path in the included repository to copy; defaults to its root.' }),
    toPath: str({
      description: 'Path in this artifact to copy to; defaults to the name of the included repository.',
    }),
  },
  { required: ['repository'] },
);

export const gitRepositorySpecSchema = obj(
  {
    url: str({ description: 'Repository URL: http, https or ssh.', pattern: '^(http|https|ssh)://.*$' }),
    secretRef: secretRef(
      'Secret with credentials: username and password (or bearerToken) for HTTPS, identity and known_hosts for SSH.',
    ),
    provider: str({
      description:
        'Where authentication comes from: generic uses secretRef; azure and github use workload identity or an app.',
      enum: ['generic', 'azure', 'github'],
      default: 'generic',
    }),
    interval: intervalSchema,
    timeout,
    ref: gitRepositoryRefSchema,
    verify: obj(
      {
        mode: str({
          description: 'What to verify: the HEAD commit, the tag, or both.',
          enum: ['head', 'HEAD', 'Tag', 'TagAndHEAD'],
          default: 'HEAD',
        }),
        secretRef: secretRef('Secret with the trusted PGP public keys.'),
      },
      { description: 'Verify the OpenPGP signature of the commit or tag.', required: ['secretRef'] },
    ),
    proxySecretRef,
    ignore,
    suspend: suspendSchema,
    recurseSubmodules: bool({ description: 'Also clone Git submodules.' }),
    include: arr(gitIncludeSchema, {
      description: 'Other GitRepositories whose artifacts are copied into this one.',
    }),
    sparseCheckout: arr(str(), { description: 'Directories to check out; all of them when empty.' }),
    serviceAccountName: str({
      description: 'ServiceAccount whose identity is used with the azure provider.',
    }),
  },
  {
    required: ['url', 'interval'],
    validations: [
      {
        rule: "self.provider != 'github' || has(self.secretRef)",
        message: 'spec.secretRef must be specified when spec.provider is github',
      },
    ],
  },
);

export const gitRepositoryStatusSchema = obj({
  ...commonStatusFields,
  artifact: artifactSchema,
  includedArtifacts: arr(artifactSchema, { description: 'Artifacts of the included repositories.' }),
  observedIgnore: str({ description: 'The spec.ignore the artifact was built with.' }),
  observedRecurseSubmodules: bool({ description: 'The spec.recurseSubmodules the artifact was built with.' }),
  observedInclude: arr(gitIncludeSchema, { description: 'The spec.include the artifact was built with.' }),
  observedSparseCheckout: arr(str(), { description: 'The spec.sparseCheckout the artifact was built with.' }),
  sourceVerificationMode: str({ description: 'The verification mode the artifact was checked with.' }),
});

export type GitRepositoryRef = Infer<typeof gitRepositoryRefSchema>;
export type GitRepositorySpec = Infer<typeof gitRepositorySpecSchema>;
export type GitRepositoryStatus = Infer<typeof gitRepositoryStatusSchema>;
export type GitRepository = WeftObject<
  typeof SourceApiVersion,
  'GitRepository',
  GitRepositorySpec,
  GitRepositoryStatus
>;

export const GitRepositoryKind = 'GitRepository';
export const GitRepositoryPlural = 'gitrepositories';
export const gitRepositoryDefinition: KindDefinition<GitRepositorySpec, GitRepositoryStatus> = {
  group: SourceGroup,
  version: SourceVersion,
  kind: GitRepositoryKind,
  plural: GitRepositoryPlural,
  singular: 'gitrepository',
  shortNames: ['gitrepo'],
  categories,
  description:
    'A Git repository: the controller clones a reference at every interval and publishes it as an artifact.',
  spec: gitRepositorySpecSchema,
  status: gitRepositoryStatusSchema,
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url' },
    revisionColumn('.status.artifact.revision'),
  ],
};

// ---------------------------------------------------------------------------------------------
// HelmRepository

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
  group: SourceGroup,
  version: SourceVersion,
  kind: HelmRepositoryKind,
  plural: HelmRepositoryPlural,
  singular: 'helmrepository',
  shortNames: ['helmrepo'],
  categories,
  description: 'A Helm chart repository (an index.yaml over HTTP) or an OCI registry of charts.',
  spec: helmRepositorySpecSchema,
  status: helmRepositoryStatusSchema,
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url' },
    revisionColumn('.status.artifact.revision', 1),
  ],
};

// ---------------------------------------------------------------------------------------------
// HelmChart

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
  group: SourceGroup,
  version: SourceVersion,
  kind: HelmChartKind,
  plural: HelmChartPlural,
  singular: 'helmchart',
  shortNames: ['hc'],
  categories,
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

// ---------------------------------------------------------------------------------------------
// OCIRepository

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
  group: SourceGroup,
  version: SourceVersion,
  kind: OCIRepositoryKind,
  plural: OCIRepositoryPlural,
  singular: 'ocirepository',
  shortNames: ['ocirepo'],
  categories,
  description:
    'An OCI artifact in a container registry: the controller pulls a tag, semver range or digest and publishes its content.',
  spec: ociRepositorySpecSchema,
  status: ociRepositoryStatusSchema,
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url' },
    revisionColumn('.status.artifact.revision'),
  ],
};

// ---------------------------------------------------------------------------------------------
// Bucket

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
  group: SourceGroup,
  version: SourceVersion,
  kind: BucketKind,
  plural: BucketPlural,
  singular: 'bucket',
  shortNames: [],
  categories,
  description: 'A bucket of an S3-compatible, AWS, GCS or Azure object store, published as an artifact.',
  spec: bucketSpecSchema,
  status: bucketStatusSchema,
  printerColumns: [
    { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint' },
    revisionColumn('.status.artifact.revision'),
  ],
};
