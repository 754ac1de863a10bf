/**
 * A controller's Deployment as the tests run it on the real node, hand-written here (the chart's
 * is generated elsewhere): non-root, read-only root filesystem, all capabilities dropped, seccomp
 * RuntimeDefault, an emptyDir at /tmp, probes on /healthz and /readyz, only the controller's
 * flags as args (the image's entrypoint carries the V8 flags).
 *
 * Host networking: the control plane listens on loopback only, and the node has no kube-proxy or
 * cluster DNS, so a pod on the bridge could not reach the apiserver; the apiserver address is
 * given as KUBERNETES_SERVICE_HOST/PORT, which a pod's own env overrides.
 */
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  RbacAuthorizationV1Api,
  type V1Pod,
} from '@kubernetes/client-node';
import { type Cluster, eventually, freePort, nodeProcess, onRealNode } from '@weft/e2e';

export interface ControllerPod {
  name: string;
  healthPort: number;
  /** Milliseconds from creating the Deployment to the pod's Ready (image pull included). */
  startToReadyMs: number;
  readyPod(): Promise<V1Pod | undefined>;
}

export async function runControllerPod(
  cluster: Cluster,
  config: KubeConfig,
  options: {
    namespace: string;
    name: string;
    image: string;
    args: (ports: { health: number; metrics: number }) => string[];
  },
): Promise<ControllerPod> {
  const { namespace, name } = options;
  const core = config.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  // Broad rights for a test of the image; the least-privilege roles come with the manifests.
  await config.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
    body: {
      metadata: { name: `${name}-${namespace}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const [health, metrics] = await Promise.all([freePort(), freePort()]);
  const labels = { app: name };
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: health, host: '127.0.0.1' },
    periodSeconds,
  });
  const created = Date.now();
  await config.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            ...onRealNode,
            serviceAccountName: name,
            hostNetwork: true,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'manager',
                image: options.image,
                args: [
                  `--health-addr=127.0.0.1:${health}`,
                  `--metrics-addr=127.0.0.1:${metrics}`,
                  ...options.args({ health, metrics }),
                ],
                env: [
                  { name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' },
                  { name: 'KUBERNETES_SERVICE_PORT', value: new URL(cluster.server).port },
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                readinessProbe: probe('/readyz', 1),
                livenessProbe: probe('/healthz', 5),
                resources: { limits: { memory: '256Mi' } },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
  });
  const readyPod = async () => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` });
    return pods.items.find((pod) =>
      pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  };
  await eventually(`${name} Ready`, readyPod, 180_000);
  return { name, healthPort: health, startToReadyMs: Date.now() - created, readyPod };
}

/** The controller's process on the node (it runs on this host) and its RSS. */
export function controllerProcess(
  cluster: Cluster,
  bin: string,
): Promise<{ pid: number; uid: string; rssMiB: number }> {
  return nodeProcess(cluster, bin);
}
