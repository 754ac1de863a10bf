/**
 * kube-proxy on the real node: a ClusterIP Service reaches a pod on the node's bridge, from the
 * host (where host-network pods live). Needs a controller image for its Node binary: the pod
 * runs a three-line HTTP server with it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import {
  type Cluster,
  eventually,
  imagesDir,
  type OciRegistry,
  onRealNode,
  pushImageLayout,
  realNodeUnavailable,
  startCluster,
  startOciRegistry,
} from '../../src/index.ts';

const layout = join(imagesDir(), 'notification-controller');
const unavailable =
  realNodeUnavailable() ??
  (existsSync(join(layout, 'index.json')) ? undefined : `no image at ${layout} (e2e/run setup)`);

describe('kube-proxy on the real node', { skip: unavailable }, () => {
  let cluster: Cluster;
  let config: KubeConfig;
  let registry: OciRegistry;
  before(async () => {
    [cluster, registry] = await Promise.all([
      startCluster({ name: 'kube-proxy', nodes: 1, realNode: { kubeProxy: true } }),
      startOciRegistry(),
    ]);
    config = await cluster.kubeConfig();
    await cluster.realNode!.trustRegistry(registry.host);
    await pushImageLayout({ url: registry.url }, layout, 'weft/http', '1');
  });
  after(async () => {
    await cluster?.stop();
    await registry?.stop();
  });

  test('a ClusterIP Service reaches its pod; a second node cannot take kube-proxy too', async () => {
    const apps = config.makeApiClient(AppsV1Api);
    const core = config.makeApiClient(CoreV1Api);
    const labels = { app: 'web' };
    const server =
      "require('http').createServer((q, r) => r.end('hello from ' + require('os').hostname())).listen(8080)";
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              ...onRealNode,
              containers: [
                {
                  name: 'web',
                  image: `${registry.host}/weft/http:1`,
                  command: ['/usr/local/bin/node', '-e', server],
                  readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    await eventually(
      'web Ready',
      async () =>
        (await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' })).status?.readyReplicas ===
        1
          ? true
          : undefined,
      120_000,
    );
    const clusterIp = (await core.readNamespacedService({ name: 'web', namespace: 'default' })).spec
      ?.clusterIP;
    const answer = await eventually('an answer through the ClusterIP', async () => {
      const response = await fetch(`http://${clusterIp}/`, { signal: AbortSignal.timeout(2_000) });
      return response.ok ? response.text() : undefined;
    });
    assert.match(answer, /^hello from web-/);

    await assert.rejects(
      startCluster({ name: 'kube-proxy-2', nodes: 1, realNode: { kubeProxy: true } }),
      /kube-proxy runs for the real node of cluster "kube-proxy"/,
    );
  });
});
