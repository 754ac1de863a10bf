/**
 * source-controller's image on the real node: pulled from the e2e registry, run as a Deployment
 * (non-root, read-only root filesystem, an emptyDir at /tmp, probes on /healthz and /readyz), it
 * reconciles a GitRepository from the e2e git server; killed, it restarts and carries on.
 *
 * The pod uses the host's network: the control plane listens on loopback only, and the node has
 * no kube-proxy or cluster DNS yet, so a pod on the bridge could not reach the apiserver. The
 * Deployment here is hand-written for the test; the chart's is generated elsewhere.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { crds } from '@weft/api';
import {
  type Cluster,
  eventually,
  freePort,
  type GitHttpServer,
  imagesDir,
  type OciRegistry,
  onRealNode,
  pushImageLayout,
  realNodeUnavailable,
  startCluster,
  startGitHttpServer,
  startOciRegistry,
  testNamespace,
} from '@weft/e2e';

const layout = join(imagesDir(), 'source-controller');
const unavailable =
  realNodeUnavailable() ??
  (existsSync(join(layout, 'index.json')) ? undefined : `no image at ${layout} (e2e/run setup builds it)`);

interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: Date | string;
}

/** RSS of the controller process in the pod, read from the node (the process is on this host). */
async function controllerRss(cluster: Cluster): Promise<{ pid: number; rssMiB: number }> {
  for (const pid of await cluster.realNode!.pids()) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('weft-source-controller.js')) continue;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return { pid, rssMiB: Math.round((kib / 1024) * 10) / 10 };
  }
  throw new Error('no source-controller process on the node');
}

describe("source-controller's image on the real node", { skip: unavailable }, () => {
  let cluster: Cluster;
  let config: KubeConfig;
  let registry: OciRegistry;
  let git: GitHttpServer;
  before(async () => {
    [cluster, registry, git] = await Promise.all([
      startCluster({ name: 'image-proof', realNode: true }),
      startOciRegistry(),
      startGitHttpServer(),
    ]);
    config = await cluster.kubeConfig();
    await cluster.realNode!.trustRegistry(registry.host);
  });
  after(async () => {
    await cluster?.stop();
    await registry?.stop();
    await git?.stop();
  });

  test('pulled from the registry, Ready behind its probes, reconciles, survives a kill', async () => {
    const digest = await pushImageLayout({ url: registry.url }, layout, 'weft/source-controller', '0.1.0');
    const image = `${registry.host}/weft/source-controller:0.1.0`;
    const namespace = await testNamespace(config, 'weft-system');
    const core = config.makeApiClient(CoreV1Api);
    const { CustomObjectsApi, ApiextensionsV1Api } = await import('@kubernetes/client-node');
    const extensions = config.makeApiClient(ApiextensionsV1Api);
    for (const crd of crds()) {
      await extensions.createCustomResourceDefinition({ body: crd as never }).catch(() => undefined);
    }
    await core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'source-controller' } },
    });
    await config.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
      body: {
        metadata: { name: `source-controller-${namespace}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'source-controller', namespace }],
      },
    });
    const [healthPort, metricsPort, storagePort] = await Promise.all([freePort(), freePort(), freePort()]);
    const apiserverPort = new URL(cluster.server).port;
    const labels = { app: 'source-controller' };
    const created = Date.now();
    await config.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'source-controller' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              ...onRealNode,
              serviceAccountName: 'source-controller',
              hostNetwork: true,
              securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: 'manager',
                  image,
                  args: [
                    `--health-addr=127.0.0.1:${healthPort}`,
                    `--metrics-addr=127.0.0.1:${metricsPort}`,
                    `--storage-addr=127.0.0.1:${storagePort}`,
                    `--storage-adv-addr=127.0.0.1:${storagePort}`,
                    '--storage-path=/tmp/data',
                  ],
                  // Host networking: the apiserver is on loopback, not behind the kubernetes Service.
                  env: [
                    { name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' },
                    { name: 'KUBERNETES_SERVICE_PORT', value: apiserverPort },
                  ],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  readinessProbe: {
                    httpGet: { path: '/readyz', port: healthPort, host: '127.0.0.1' },
                    periodSeconds: 1,
                  },
                  livenessProbe: {
                    httpGet: { path: '/healthz', port: healthPort, host: '127.0.0.1' },
                    periodSeconds: 5,
                  },
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
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=source-controller' });
      return pods.items.find((pod) =>
        pod.status?.conditions?.some((c: PodCondition) => c.type === 'Ready' && c.status === 'True'),
      );
    };
    const pod = await eventually('source-controller Ready', readyPod, 180_000);
    console.log(`# image ${digest}: pod created → Ready in ${Date.now() - created} ms (pull included)`);
    const status = pod.status?.containerStatuses?.[0];
    assert.match(status?.imageID ?? '', new RegExp(digest.replace('sha256:', '')));
    const first = await controllerRss(cluster);
    console.log(`# source-controller RSS in its pod: ${first.rssMiB} MiB`);
    assert.equal(readFileSync(`/proc/${first.pid}/status`, 'utf8').match(/Uid:\s+(\d+)/)?.[1], '65532');

    // A GitRepository from the e2e git server becomes Ready with an artifact.
    const objects = config.makeApiClient(CustomObjectsApi);
    const commit = await git.createRepo('app', { 'deploy/app.yaml': 'kind: ConfigMap\n' });
    await objects.createNamespacedCustomObject({
      group: 'source.weft.dev',
      version: 'v1',
      namespace,
      plural: 'gitrepositories',
      body: {
        apiVersion: 'source.weft.dev/v1',
        kind: 'GitRepository',
        metadata: { name: 'app' },
        spec: { url: git.url('app'), ref: { branch: 'main' }, interval: '2s' },
      },
    });
    const revision = async (expected: string) =>
      eventually(
        `GitRepository at ${expected}`,
        async () => {
          const obj = (await objects.getNamespacedCustomObject({
            group: 'source.weft.dev',
            version: 'v1',
            namespace,
            plural: 'gitrepositories',
            name: 'app',
          })) as { status?: { artifact?: { revision?: string; url?: string } } };
          return obj.status?.artifact?.revision === expected ? obj.status.artifact : undefined;
        },
        120_000,
      );
    const artifact = await revision(`main@sha1:${commit}`);
    const served = await fetch(artifact.url!);
    assert.equal(served.status, 200, 'the artifact server in the pod serves it');
    await served.arrayBuffer();

    // Killed: the kubelet restarts the container, which picks up the next commit.
    process.kill(first.pid, 'SIGKILL');
    await eventually(
      'the container restarted and Ready',
      async () => {
        const restarted = await readyPod();
        return (restarted?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? restarted : undefined;
      },
      120_000,
    );
    const next = await git.commit('app', { 'deploy/next.yaml': 'kind: Secret\n' }, 'next');
    await revision(`main@sha1:${next}`);
    const second = await controllerRss(cluster);
    assert.notEqual(second.pid, first.pid);
  });
});
