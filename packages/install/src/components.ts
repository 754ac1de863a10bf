/**
 * The controllers an installation can hold, and what each needs from the cluster. The RBAC rules
 * are read off each controller's code (its informers, the objects it gets, patches and creates),
 * so each ServiceAccount can do what its controller does and nothing more; see docs/install.md.
 */
import { type ControllerName, controllerNames, isControllerName, kindDefinitions } from '@weft/api';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface ContainerPort {
  name: string;
  /** The default; `<controller>.ports.<key>` changes it (hostNetwork installs need their own). */
  containerPort: number;
  /** Its key under `<controller>.ports` in the values. */
  key: string;
  /** The controller flag that binds it (`--metrics-addr`), given `:<port>`. */
  flag: string;
}

export interface Component {
  name: ComponentName;
  /** One line for docs and `weft install --help`. */
  description: string;
  /** Installed unless turned off (`<controller>.enabled`); the others are opt-in, as Flux's extras. */
  defaultEnabled: boolean;
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

/** The controllers an installation can hold: every controller weft ships. */
export const componentNames = controllerNames;
export type ComponentName = ControllerName;

/**
 * Controllers Flux names that weft does not ship yet: `--components` and `--components-extra`
 * answer with a clear message instead of "unknown".
 */
export const plannedComponents = ['ui'] as const;

export const metricsPort: ContainerPort = {
  name: 'http-prom',
  containerPort: 8080,
  key: 'metrics',
  flag: '--metrics-addr',
};
export const healthPort: ContainerPort = {
  name: 'healthz',
  containerPort: 9440,
  key: 'health',
  flag: '--health-addr',
};

/** Where the helm-controller image holds the helm binary (packages/image). */
export const helmBinaryPath = '/usr/local/bin/helm';
/** Where it holds the long-running renderer (packages/helm-controller/renderer). */
export const helmRendererPath = '/usr/local/bin/weft-helm-renderer';

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
    defaultEnabled: true,
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
    ports: [{ name: 'http', containerPort: 9090, key: 'storage', flag: '--storage-addr' }],
    service: { port: 'http' },
    args: [
      '--storage-path=/data',
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
    defaultEnabled: true,
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
    defaultEnabled: true,
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
    ports: [{ name: 'http-webhook', containerPort: 9292, key: 'receiver', flag: '--receiver-addr' }],
    service: { port: 'http-webhook' },
    args: [],
    dataVolumes: [],
    // Idle ~80 MiB (Node itself); holds the Events of the watched namespaces.
    resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '1000m', memory: '512Mi' } },
  },
  'helm-controller': {
    name: 'helm-controller',
    description: 'HelmRelease: install, upgrade, test, roll back and uninstall with the helm binary',
    defaultEnabled: true,
    crdGroups: ['helm.weft.dev', 'source.weft.dev'],
    rules: [
      ...reconciles('helm.weft.dev', ['helmreleases']),
      // spec.chart: the HelmChart it creates (server-side apply), watches and deletes with the release.
      {
        apiGroups: ['source.weft.dev'],
        resources: ['helmcharts'],
        verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
      },
      // spec.chartRef: an OCIRepository or a HelmChart made by someone else.
      { apiGroups: ['source.weft.dev'], resources: ['ocirepositories'], verbs: ['get', 'list', 'watch'] },
      // dependsOn a Kustomization.
      { apiGroups: ['kustomize.weft.dev'], resources: ['kustomizations'], verbs: ['get'] },
      // valuesFrom; Helm's release storage (Secrets owner=helm): history, and a release left
      // pending by a killed helm process is marked failed.
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
      // helm runs as the HelmRelease's spec.serviceAccountName (or --default-service-account).
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
      events,
    ],
    ports: [],
    args: [`--helm-binary=${helmBinaryPath}`, `--helm-renderer-path=${helmRendererPath}`],
    dataVolumes: [],
    // bench (N = 100, --concurrent 4, docs/helm-controller.md): the controller peaks at ~106 MiB and
    // its renderer at ~41 MiB; each helm process (hooks, tests, rollbacks) adds ~50–80 MiB.
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '2000m', memory: '1Gi' } },
  },
  'image-automation-controller': {
    name: 'image-automation-controller',
    description:
      'ImageRepository, ImagePolicy, ImageUpdateAutomation: registry tags → policy → commits to Git (opt-in)',
    defaultEnabled: false,
    crdGroups: ['image.weft.dev', 'source.weft.dev'],
    rules: [
      ...reconciles('image.weft.dev', pluralsOf('image.weft.dev')),
      // ImageUpdateAutomation's sourceRef: the GitRepository it commits to.
      { apiGroups: ['source.weft.dev'], resources: ['gitrepositories'], verbs: ['get'] },
      // Registry and Git credentials; a ServiceAccount's imagePullSecrets.
      readSecrets,
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] },
      events,
    ],
    ports: [],
    args: [],
    dataVolumes: [],
    // Not benchmarked yet: the runtime's idle ~80 MiB plus a clone per automation.
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1000m', memory: '1Gi' } },
  },
};

/** Leases for leader election, in the installation's namespace only (a Role, not a ClusterRole). */
export const leaderElectionRules: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

/** What an installation holds unless told otherwise: every controller but the opt-in ones. */
export const defaultComponents: readonly ComponentName[] = componentNames.filter(
  (name) => components[name].defaultEnabled,
);

/** Whether a name is one of the controllers this version ships. */
export const isComponentName: (name: string) => name is ComponentName = isControllerName;
