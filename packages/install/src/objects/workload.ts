/**
 * Per controller: its Deployment (probes, metrics port, leader election, a hardened container
 * with emptyDirs for what it writes), its Service when it serves HTTP, and a PodDisruptionBudget.
 * The image's entrypoint runs the controller with its V8 flags, so only the controller's flags
 * go into `args`.
 */
import { type Component, type ContainerPort, healthPort, metricsPort } from '../components.ts';
import type { Scope } from '../template/scope.ts';
import { field, type KubeObject, labels, partOf } from './meta.ts';

export const containerName = 'manager';

const containerSecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The ports of a controller's container: its own, then metrics and health. */
function containerPorts(component: Component): ContainerPort[] {
  return [...component.ports, metricsPort, healthPort];
}

/** A port's number from the values (`<controller>.ports.<key>`). */
function portValue(scope: Scope, component: Component, port: ContainerPort): number {
  return scope.value<number>(`${component.name}.ports.${port.key}`);
}

/** The flags every Deployment passes, after the controller's own: one per port, then the rest. */
function sharedArgs(scope: Scope, component: Component): string[] {
  return [
    ...containerPorts(component).map((port) => `${port.flag}=:${portValue(scope, component, port)}`),
    '--enable-leader-election',
    `--log-level=${scope.value<string>('logLevel')}`,
    `--watch-all-namespaces=${scope.value<boolean>('watchAllNamespaces')}`,
  ];
}

export function deployment(scope: Scope, component: Component): KubeObject {
  const name = component.name;
  const path = (key: string) => `${name}.${key}`;
  const volumes = [{ name: 'tmp', mountPath: '/tmp' }, ...component.dataVolumes];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: scope.namespace, labels: labels(scope, name) },
    spec: {
      replicas: scope.value<number>(path('replicas')),
      ...field('strategy', scope.optional(path('strategy'))),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          labels: { app: name, ...partOf, 'app.kubernetes.io/component': name },
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': scope.text(`${component.name}.ports.${metricsPort.key}`),
          },
        },
        spec: {
          serviceAccountName: name,
          // The runtime's --graceful-shutdown-timeout (30s) plus time to release the Lease.
          terminationGracePeriodSeconds: 60,
          // Tests on a node without cluster networking (docs/e2e.md); never the default.
          ...field('hostNetwork', scope.optional<boolean>('hostNetwork')),
          ...field('securityContext', scope.optional(path('podSecurityContext'))),
          ...field('imagePullSecrets', scope.optional('imagePullSecrets')),
          ...field('nodeSelector', scope.optional(path('nodeSelector'))),
          ...field('tolerations', scope.optional(path('tolerations'))),
          ...field('affinity', scope.optional(path('affinity'))),
          containers: [
            {
              name: containerName,
              image: `${scope.value<string>('image.registry')}/${scope.value<string>(path('image.repository'))}:${scope.value<string>('image.tag')}`,
              imagePullPolicy: scope.value<string>('image.pullPolicy'),
              args: [
                ...component.args,
                ...sharedArgs(scope, component),
                ...scope.items<string>(path('extraArgs')),
              ],
              env: [
                { name: 'RUNTIME_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'TMPDIR', value: '/tmp' },
                ...scope.items<Record<string, unknown>>(path('extraEnv')),
              ],
              ports: containerPorts(component).map((port) => ({
                name: port.name,
                containerPort: portValue(scope, component, port),
                protocol: 'TCP',
              })),
              // Probed every second until the process serves /healthz (up to 5 minutes on a slow
              // or loaded node): the liveness probe waits for it, so a slow start is never killed,
              // and readiness is checked as soon as it passes rather than a period later.
              startupProbe: {
                httpGet: { path: '/healthz', port: healthPort.name },
                periodSeconds: 1,
                failureThreshold: 300,
              },
              livenessProbe: { httpGet: { path: '/healthz', port: healthPort.name } },
              readinessProbe: { httpGet: { path: '/readyz', port: healthPort.name } },
              ...field('resources', scope.optional(path('resources'))),
              securityContext: containerSecurityContext,
              volumeMounts: volumes.map(({ name: volume, mountPath }) => ({ name: volume, mountPath })),
            },
          ],
          volumes: volumes.map(({ name: volume }) => ({ name: volume, emptyDir: {} })),
        },
      },
    },
  };
}

/** The Service names Flux uses: `source-controller` for artifacts, `webhook-receiver` for receivers. */
export function serviceName(component: Component): string {
  return component.name === 'notification-controller' ? 'webhook-receiver' : component.name;
}

export function service(scope: Scope, component: Component, port: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: serviceName(component),
      namespace: scope.namespace,
      labels: labels(scope, component.name),
    },
    spec: {
      type: 'ClusterIP',
      selector: { app: component.name },
      ports: [{ name: port, port: 80, protocol: 'TCP', targetPort: port }],
    },
  };
}

export function podDisruptionBudget(scope: Scope, component: Component): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: component.name, namespace: scope.namespace, labels: labels(scope, component.name) },
    spec: { minAvailable: 1, selector: { matchLabels: { app: component.name } } },
  };
}
