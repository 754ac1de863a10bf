/**
 * One valid object of every kind, and objects the API server must reject. Unit tests check them
 * against the schemas; end-to-end tests apply them to a real API server; the docs show them.
 * Samples carry no namespace: whoever applies them chooses one.
 */
import type { HelmRelease } from './helm.ts';
import { HelmApiVersion } from './helm.ts';
import type { ImagePolicy, ImageRepository, ImageUpdateAutomation } from './image.ts';
import { ImageApiVersion } from './image.ts';
import type { Kustomization } from './kustomize.ts';
import { KustomizeApiVersion } from './kustomize.ts';
import type { Alert, Provider, Receiver } from './notification.ts';
import { NotificationApiVersion } from './notification.ts';
import type { Bucket, GitRepository, HelmChart, HelmRepository, OCIRepository } from './source.ts';
import { SourceApiVersion } from './source.ts';

export const gitRepositorySample: GitRepository = {
  apiVersion: SourceApiVersion,
  kind: 'GitRepository',
  metadata: { name: 'podinfo' },
  spec: {
    url: 'https://github.com/stefanprodan/podinfo',
    interval: '5m',
    timeout: '60s',
    ref: { branch: 'master' },
    ignore: '/*\n!/kustomize\n',
  },
};

export const helmRepositorySample: HelmRepository = {
  apiVersion: SourceApiVersion,
  kind: 'HelmRepository',
  metadata: { name: 'podinfo' },
  spec: { url: 'https://stefanprodan.github.io/podinfo', interval: '10m' },
};

export const helmChartSample: HelmChart = {
  apiVersion: SourceApiVersion,
  kind: 'HelmChart',
  metadata: { name: 'podinfo' },
  spec: {
    chart: 'podinfo',
    version: '6.x',
    sourceRef: { kind: 'HelmRepository', name: 'podinfo' },
    interval: '10m',
  },
};

export const ociRepositorySample: OCIRepository = {
  apiVersion: SourceApiVersion,
  kind: 'OCIRepository',
  metadata: { name: 'podinfo-manifests' },
  spec: {
    url: 'oci://ghcr.io/stefanprodan/manifests/podinfo',
    ref: { semver: '>=6.0.0' },
    layerSelector: { mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip', operation: 'extract' },
    interval: '10m',
  },
};

export const bucketSample: Bucket = {
  apiVersion: SourceApiVersion,
  kind: 'Bucket',
  metadata: { name: 'manifests' },
  spec: {
    bucketName: 'manifests',
    endpoint: 'minio.minio.svc:9000',
    insecure: true,
    secretRef: { name: 'minio-credentials' },
    interval: '5m',
  },
};

export const kustomizationSample: Kustomization = {
  apiVersion: KustomizeApiVersion,
  kind: 'Kustomization',
  metadata: { name: 'podinfo' },
  spec: {
    interval: '10m',
    path: './kustomize',
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'podinfo' },
    targetNamespace: 'default',
    timeout: '2m',
    wait: true,
    postBuild: { substitute: { cluster: 'staging' } },
    patches: [
      {
        patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  replicas: 2\n',
        target: { kind: 'Deployment', name: 'podinfo' },
      },
    ],
  },
};

export const helmReleaseSample: HelmRelease = {
  apiVersion: HelmApiVersion,
  kind: 'HelmRelease',
  metadata: { name: 'podinfo' },
  spec: {
    interval: '10m',
    chart: {
      spec: {
        chart: 'podinfo',
        version: '6.x',
        sourceRef: { kind: 'HelmRepository', name: 'podinfo' },
      },
    },
    install: { remediation: { retries: 3 } },
    upgrade: { remediation: { retries: 3, strategy: 'rollback' } },
    values: { replicaCount: 2, ingress: { enabled: false } },
  },
};

export const imageRepositorySample: ImageRepository = {
  apiVersion: ImageApiVersion,
  kind: 'ImageRepository',
  metadata: { name: 'podinfo' },
  spec: { image: 'ghcr.io/stefanprodan/podinfo', interval: '5m' },
};

export const imagePolicySample: ImagePolicy = {
  apiVersion: ImageApiVersion,
  kind: 'ImagePolicy',
  metadata: { name: 'podinfo' },
  spec: {
    imageRepositoryRef: { name: 'podinfo' },
    policy: { semver: { range: '6.x' } },
  },
};

export const imageUpdateAutomationSample: ImageUpdateAutomation = {
  apiVersion: ImageApiVersion,
  kind: 'ImageUpdateAutomation',
  metadata: { name: 'podinfo' },
  spec: {
    interval: '30m',
    sourceRef: { kind: 'GitRepository', name: 'podinfo' },
    git: {
      checkout: { ref: { branch: 'main' } },
      commit: { author: { name: 'weft', email: 'weft@example.com' }, messageTemplate: 'Update images' },
      push: { branch: 'main' },
    },
    update: { path: './clusters/staging', strategy: 'Setters' },
  },
};

export const providerSample: Provider = {
  apiVersion: NotificationApiVersion,
  kind: 'Provider',
  metadata: { name: 'slack' },
  spec: { type: 'slack', channel: 'general', secretRef: { name: 'slack-webhook' } },
};

export const alertSample: Alert = {
  apiVersion: NotificationApiVersion,
  kind: 'Alert',
  metadata: { name: 'on-call' },
  spec: {
    providerRef: { name: 'slack' },
    eventSeverity: 'error',
    eventSources: [
      { kind: 'GitRepository', name: '*' },
      { kind: 'Kustomization', name: 'podinfo' },
    ],
  },
};

export const receiverSample: Receiver = {
  apiVersion: NotificationApiVersion,
  kind: 'Receiver',
  metadata: { name: 'github' },
  spec: {
    type: 'github',
    events: ['ping', 'push'],
    secretRef: { name: 'webhook-token' },
    resources: [{ kind: 'GitRepository', name: 'podinfo' }],
  },
};

/** The sample of each kind, keyed by kind. */
export const samples = {
  GitRepository: gitRepositorySample,
  HelmRepository: helmRepositorySample,
  HelmChart: helmChartSample,
  OCIRepository: ociRepositorySample,
  Bucket: bucketSample,
  Kustomization: kustomizationSample,
  HelmRelease: helmReleaseSample,
  ImageRepository: imageRepositorySample,
  ImagePolicy: imagePolicySample,
  ImageUpdateAutomation: imageUpdateAutomationSample,
  Provider: providerSample,
  Alert: alertSample,
  Receiver: receiverSample,
} as const;

export type SampleKind = keyof typeof samples;

/** An object the API server must reject, and the field its message must name. */
export interface InvalidSample {
  /** What is wrong, for test names. */
  name: string;
  kind: SampleKind;
  object: { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> };
  /** The field path the rejection names, e.g. spec.interval. */
  field: string;
  /** schema: the OpenAPI schema rejects it (the unit validator checks these too); cel: a CEL rule does. */
  rejectedBy: 'schema' | 'cel';
}

function broken(
  name: string,
  kind: SampleKind,
  change: (spec: Record<string, unknown>) => void,
  field: string,
  rejectedBy: 'schema' | 'cel' = 'schema',
): InvalidSample {
  const sample = samples[kind];
  const spec = structuredClone(sample.spec) as Record<string, unknown>;
  change(spec);
  return {
    name,
    kind,
    object: {
      apiVersion: sample.apiVersion,
      kind: sample.kind,
      metadata: { name: `invalid-${kind.toLowerCase()}` },
      spec,
    },
    field,
    rejectedBy,
  };
}

export const invalidSamples: readonly InvalidSample[] = [
  broken(
    'interval that is not a duration',
    'GitRepository',
    (spec) => {
      spec.interval = 'every 5 minutes';
    },
    'spec.interval',
  ),
  broken(
    'missing url',
    'GitRepository',
    (spec) => {
      delete spec.url;
    },
    'spec.url',
  ),
  broken(
    'url with an unsupported scheme',
    'GitRepository',
    (spec) => {
      spec.url = 'ftp://example.com/repo.git';
    },
    'spec.url',
  ),
  broken(
    'timeout in hours',
    'GitRepository',
    (spec) => {
      spec.timeout = '1h';
    },
    'spec.timeout',
  ),
  broken(
    'HelmChart source of an unknown kind',
    'HelmChart',
    (spec) => {
      spec.sourceRef = { kind: 'ConfigMap', name: 'x' };
    },
    'spec.sourceRef.kind',
  ),
  broken(
    'OCIRepository url without oci://',
    'OCIRepository',
    (spec) => {
      spec.url = 'https://ghcr.io/org/app';
    },
    'spec.url',
  ),
  broken(
    'Kustomization without prune',
    'Kustomization',
    (spec) => {
      delete spec.prune;
    },
    'spec.prune',
  ),
  broken(
    'Kustomization prune as a string',
    'Kustomization',
    (spec) => {
      spec.prune = 'yes';
    },
    'spec.prune',
  ),
  broken(
    'HelmRelease with both chart and chartRef',
    'HelmRelease',
    (spec) => {
      spec.chartRef = { kind: 'OCIRepository', name: 'podinfo' };
    },
    'spec',
    'cel',
  ),
  broken(
    'HelmRelease release name too long',
    'HelmRelease',
    (spec) => {
      spec.releaseName = 'r'.repeat(54);
    },
    'spec.releaseName',
  ),
  broken(
    'ImagePolicy alphabetical order unknown',
    'ImagePolicy',
    (spec) => {
      spec.policy = { alphabetical: { order: 'random' } };
    },
    'spec.policy.alphabetical.order',
  ),
  broken(
    'Provider of an unknown type',
    'Provider',
    (spec) => {
      spec.type = 'carrier-pigeon';
    },
    'spec.type',
  ),
  broken(
    'Alert severity unknown',
    'Alert',
    (spec) => {
      spec.eventSeverity = 'warning';
    },
    'spec.eventSeverity',
  ),
  broken(
    'Receiver without secretRef',
    'Receiver',
    (spec) => {
      delete spec.secretRef;
    },
    'spec.secretRef',
  ),
  broken(
    'Bucket sts with the gcp provider',
    'Bucket',
    (spec) => {
      spec.provider = 'gcp';
      spec.sts = { provider: 'aws', endpoint: 'https://sts.amazonaws.com' };
    },
    'spec',
    'cel',
  ),
];
