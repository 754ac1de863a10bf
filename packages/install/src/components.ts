/**
 * The controllers an installation can hold, and what each needs from the cluster. The RBAC rules
 * are read off each controller's code (its informers, the objects it gets, patches and creates),
 * so each ServiceAccount can do what its controller does and nothing more; see docs/install.md.
 */
import { kindDefinitions } from '@weft/api';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface ContainerPort {
  name: string;
  containerPort: number;
}

export interface Component {
  name: ComponentName;
  /** One line for docs and `weft install --help`. */
  description: string;
  /** API groups whose CRDs it needs: its own, and the ones it watches (a source it consumes). */
  crdGroups: string[];
  /** What it reads and writes across namespaces, as its own identity. */
  rules: PolicyRule[];
  /** Ports besides metrics (8080) and health (9440). */
  ports: ContainerPort[];
  /** The in-cluster Service in front of one of `ports`, on port 80 as Flux's. */
  service?: { port: string };
  /** The controller's own flags, before the shared ones. */
  args: string[];
  /** Writable directories besides /tmp, each an emptyDir. */
  dataVolumes: Array<{ name: string; mountPath: string }>;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
}

export const componentNames = [
  'source-controller',
  'kustomize-controller',
  'notification-controller',
] as const;
export type ComponentName = (typeof componentNames)[number];

/**
 * Controllers Flux names that weft does not ship yet: `--components` and `--components-extra`
 * answer with a clear message instead of "unknown".
 */
export const plannedComponents = ['helm-controller', 'image-automation-controller', 'ui'] as const;

export const metricsPort: ContainerPort = { name: 'http-prom', containerPort: 8080 };
export const healthPort: ContainerPort = { name: 'healthz', containerPort: 9440 };

const events: PolicyRule = {
  apiGroups: ['events.k8s.io'],
  resources: ['events'],
  verbs: ['create', 'patch'],
};
const readSecrets: PolicyRule = { apiGroups: [''], resources: ['secrets'], verbs: ['get'] };

/** `<plural>` and `<plural>/status` of the kinds a controller reconciles. */
function reconciles(group: string, plurals: string[]): PolicyRule[] {
  return [
    { apiGroups: [group], resources: plurals, verbs: ['get', 'list', 'watch', 'patch'] },
    { apiGroups: [group], resources: plurals.map((plural) => `${plural}/status`), verbs: ['get', 'patch'] },
  ];
}

function pluralsOf(group: string): string[] {
  return kindDefinitions.filter((definition) => definition.group === group).map((d) => d.plural);
}

export const components: Record<ComponentName, Component> = {
  'source-controller': {
    name: 'source-controller',
    description:
      'GitRepository, OCIRepository, Bucket, HelmRepository, HelmChart → versioned tarball artifacts, served over HTTP',
    crdGroups: ['source.weft.dev'],
    rules: [
      // Every source kind has a reconciler; `spec.include` reads other GitRepositories and a
      // HelmChart reads its HelmRepository, GitRepository or Bucket.
      ...reconciles('source.weft.dev', pluralsOf('source.weft.dev')),
      readSecrets,
      // OCIRepository `serviceAccountName`: the imagePullSecrets of that ServiceAccount.
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] },
      events,
    ],
    ports: [{ name: 'http', containerPort: 9090 }],
    service: { port: 'http' },
    args: [
      '--storage-path=/data',
      '--storage-addr=:9090',
      // What artifact URLs carry: the Service, so consumers in any namespace reach it.
      '--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local.',
    ],
    dataVolumes: [{ name: 'data', mountPath: '/data' }],
    // bench/git.bench.ts peaks at 256 MiB (5,000 files); a fetch may hold up to 512 MiB.
    resources: { requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '1Gi' } },
  },
  'kustomize-controller': {
    name: 'kustomize-controller',
    description: 'Kustomization: build from a source artifact, server-side apply, prune, health',
    crdGroups: ['kustomize.weft.dev', 'source.weft.dev'],
    rules: [
      ...reconciles('kustomize.weft.dev', ['kustomizations']),
      // sourceRef: the artifact of a GitRepository, OCIRepository or Bucket.
      {
        apiGroups: ['source.weft.dev'],
        resources: ['gitrepositories', 'ocirepositories', 'buckets'],
        verbs: ['get', 'list', 'watch'],
      },
      // dependsOn with kind: HelmRelease (watched, to apply as soon as one becomes Ready).
      { apiGroups: ['helm.weft.dev'], resources: ['helmreleases'], verbs: ['get', 'list', 'watch'] },
      // postBuild.substituteFrom, decryption and kubeConfig Secrets; ConfigMaps and Secrets
      // labelled reconcile.weft.dev/watch=Enabled are watched (RBAC cannot narrow by label).
      { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch'] },
      // Applies as the Kustomization's spec.serviceAccountName (or --default-service-account).
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
      events,
    ],
    ports: [],
    args: [],
    dataVolumes: [],
    // bench/mttp.bench.ts: 109–112 MiB peak at 1,000 Kustomizations; the old space is capped at 512 MiB.
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1000m', memory: '1Gi' } },
  },
  'notification-controller': {
    name: 'notification-controller',
    description: 'Provider, Alert, Receiver: events to chat and webhooks, webhooks to reconciles',
    crdGroups: ['notification.weft.dev'],
    rules: [
      ...reconciles('notification.weft.dev', pluralsOf('notification.weft.dev')),
      // Watches Events to route them, and marks each as delivered (an annotation).
      {
        apiGroups: ['events.k8s.io'],
        resources: ['events'],
        verbs: ['get', 'list', 'watch', 'create', 'patch'],
      },
      readSecrets,
      // A Receiver annotates the weft objects it names (reconcile.weft.dev/requestedAt).
      ...['source.weft.dev', 'kustomize.weft.dev', 'helm.weft.dev', 'image.weft.dev'].map((group) => ({
        apiGroups: [group],
        resources: pluralsOf(group),
        verbs: ['get', 'list', 'patch'],
      })),
    ],
    ports: [{ name: 'http-webhook', containerPort: 9292 }],
    service: { port: 'http-webhook' },
    args: ['--receiver-addr=:9292'],
    dataVolumes: [],
    // Idle ~80 MiB (Node itself); holds the Events of the watched namespaces.
    resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '1000m', memory: '512Mi' } },
  },
};

/** Leases for leader election, in the installation's namespace only (a Role, not a ClusterRole). */
export const leaderElectionRules: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

/** Whether a name is one of the controllers this version ships. */
export function isComponentName(name: string): name is ComponentName {
  return (componentNames as readonly string[]).includes(name);
}
