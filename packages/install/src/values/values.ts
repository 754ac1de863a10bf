/**
 * The values of an installation: what the chart's values.yaml holds and what `weft install`'s
 * flags set. Per controller under its own name (`source-controller.enabled`, as users type it).
 */
import { type ComponentName, componentNames, components, healthPort, metricsPort } from '../components.ts';
import {
  boolean,
  defaultsOf,
  integer,
  object,
  passthroughArray,
  passthroughObject,
  string,
  type ValueNode,
} from './schema.ts';

/** The version of weft this definition installs (the chart's appVersion, the images' tag). */
export const weftVersion = '0.1.0';

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;

const nameItem = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' } },
};

function controllerValues(name: ComponentName): ValueNode {
  const component = components[name];
  const ports = [...component.ports, metricsPort, healthPort];
  return object(component.description, {
    enabled: boolean(component.defaultEnabled, `Install ${name}.`),
    image: object('The image, below the global registry.', {
      repository: string(`weft/${name}`, 'Repository below image.registry.'),
    }),
    replicas: integer(
      1,
      'Replicas; leader election keeps one active. A PodDisruptionBudget comes with more than one.',
      1,
    ),
    resources: passthroughObject(component.resources, 'Container resources.'),
    ports: object(
      'Container ports (with hostNetwork they are ports of the node: give each controller its own).',
      Object.fromEntries(
        ports.map((port) => [port.key, integer(port.containerPort, `${port.name} (${port.flag}).`, 1)]),
      ),
    ),
    extraArgs: passthroughArray([], 'More flags, appended to the generated ones (e.g. --concurrent=10).', {
      type: 'string',
    }),
    extraEnv: passthroughArray([], 'More environment variables (EnvVar objects).', { type: 'object' }),
    strategy: passthroughObject(
      {},
      'Deployment strategy (default RollingUpdate); Recreate with hostNetwork, where two pods cannot hold the same ports.',
    ),
    nodeSelector: passthroughObject({}, 'Pod nodeSelector.'),
    tolerations: passthroughArray([], 'Pod tolerations.', { type: 'object' }),
    affinity: passthroughObject({}, 'Pod affinity.'),
    podSecurityContext: passthroughObject(
      { runAsNonRoot: true, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      'Pod securityContext (the container keeps its own: non-root, read-only root, no capabilities).',
    ),
  });
}

export const valuesSchema: ValueNode = object('weft: GitOps controllers for Kubernetes.', {
  image: object('Images of every controller: <registry>/<repository>:<tag>.', {
    registry: string('ghcr.io', 'Registry (and path prefix) of the images.'),
    tag: string(weftVersion, 'Tag of every image.'),
    pullPolicy: string('IfNotPresent', 'Image pull policy.', { enum: ['Always', 'IfNotPresent', 'Never'] }),
  }),
  imagePullSecrets: passthroughArray(
    [],
    'Secrets (in the release namespace) to pull the images with.',
    nameItem,
  ),
  logLevel: string('info', 'Log level of every controller.', { enum: logLevels }),
  watchAllNamespaces: boolean(true, 'Watch every namespace; false watches only the release namespace.'),
  hostNetwork: boolean(
    false,
    "Run the controllers in the node's network namespace: for clusters without pod networking (weft's own e2e tests); give each controller its own ports. The namespace must then allow privileged pods: weft install labels its Namespace pod-security enforce=privileged instead of restricted; with helm, label the namespace yourself.",
  ),
  clusterReconciler: object(
    'Bind cluster-admin to kustomize-controller, for Kustomizations without a serviceAccountName (as Flux does by default).',
    { enabled: boolean(false, 'Create the cluster-admin ClusterRoleBinding.') },
  ),
  networkPolicy: object('NetworkPolicies as Flux ships them.', {
    enabled: boolean(
      true,
      'Deny ingress to the controllers except the artifact server, the receiver and metrics.',
    ),
  }),
  monitoring: object('Prometheus Operator and Grafana objects.', {
    podMonitor: object(
      "A PodMonitor scraping every controller's metrics port (needs the monitoring.coreos.com CRDs).",
      {
        enabled: boolean(false, 'Create the PodMonitor.'),
      },
    ),
    prometheusRule: object('Alerts for objects failing or stalled too long.', {
      enabled: boolean(false, 'Create the PrometheusRule.'),
    }),
    dashboard: object('A Grafana dashboard in a ConfigMap labelled grafana_dashboard=1.', {
      enabled: boolean(false, 'Create the dashboard ConfigMap.'),
    }),
  }),
  ...Object.fromEntries(componentNames.map((name) => [name, controllerValues(name)])),
});

/** Plain JSON values, the shape of values.yaml. */
export type Values = Record<string, unknown>;

export function defaultValues(): Values {
  return defaultsOf(valuesSchema) as Values;
}
