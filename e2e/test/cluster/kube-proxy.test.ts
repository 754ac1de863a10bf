/**
 * kube-proxy on the real node: a ClusterIP Service reaches a pod on the node's bridge from the
 * host (where host-network pods live), and a pod on the bridge reaches the apiserver through the
 * kubernetes Service. Needs a controller image for its Node binary: the pods run small scripts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
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
  realNodeDeployment,
  realNodeUnavailable,
  startCluster,
  startOciRegistry,
} from '../../src/index.ts';

const layout = join(imagesDir(), 'notification-controller');
const unavailable =
  realNodeUnavailable() ??
  (existsSync(join(layout, 'index.json')) ? undefined : `no image at ${layout} (e2e/run setup)`);

/**
 * GET over a new connection every time. Before kube-proxy has written a Service's rules, a
 * connection to its ClusterIP is not translated: it follows the host's default route out of the
 * machine, and whatever answers there (not ok) keeps it alive. fetch pools connections, so every
 * later attempt reused that one and never reached the pod, however long the wait: the timeout
 * seen beside the in-cluster suite, whose load made kube-proxy's first sync come after the pod's
 * readiness. A fresh connection is translated as soon as the rules exist.
 */
function getFresh(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, timeout: 2_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url} in 2 s`)));
    request.on('error', reject);
  });
}

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

  test('a ClusterIP Service reaches its pod, a pod reaches the apiserver by the kubernetes Service; a second kube-proxy waits for the first', async () => {
    const apps = config.makeApiClient(AppsV1Api);
    const core = config.makeApiClient(CoreV1Api);
    const labels = { app: 'web' };
    const server =
      "require('http').createServer((q, r) => r.end('hello from ' + require('os').hostname())).listen(8080)";
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: realNodeDeployment('web', {
        container: {
          name: 'web',
          image: `${registry.host}/weft/http:1`,
          command: ['/usr/local/bin/node', '-e', server],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        },
      }) as never,
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
    const answer = await eventually('an answer from the pod through the ClusterIP', async () => {
      const response = await getFresh(`http://${clusterIp}/`);
      if (response.status !== 200)
        throw new Error(`HTTP ${response.status} (not the pod: rules not yet written)`);
      return response.body;
    });
    assert.match(answer, /^hello from web-/);

    // A pod on the bridge (no host network) reaches the apiserver the in-cluster way: the
    // kubernetes Service's address from its env, the ServiceAccount's token and CA.
    const client = [
      "const fs = require('fs'), https = require('https'), dir = '/var/run/secrets/kubernetes.io/serviceaccount/';",
      'const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port } = process.env;',
      "https.get({ host, port, path: '/version', ca: fs.readFileSync(dir + 'ca.crt'),",
      "  headers: { Authorization: 'Bearer ' + fs.readFileSync(dir + 'token', 'utf8') } }, (res) => {",
      "  let body = ''; res.on('data', (d) => (body += d));",
      "  res.on('end', () => console.log('api ' + host + ' ' + res.statusCode + ' ' + JSON.parse(body).gitVersion));",
      "}).on('error', (e) => console.log('api error ' + e.message));",
      'setInterval(() => {}, 1 << 30);',
    ].join('\n');
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'in-cluster-client' },
        spec: {
          ...onRealNode,
          containers: [
            {
              name: 'client',
              image: `${registry.host}/weft/http:1`,
              command: ['/usr/local/bin/node', '-e', client],
            },
          ],
        },
      },
    });
    const line = await eventually(
      'the client pod logged its answer',
      async () => {
        const log = await core
          .readNamespacedPodLog({ name: 'in-cluster-client', namespace: 'default' })
          .catch(() => '');
        return /^api .*$/m.exec(log)?.[0];
      },
      120_000,
    );
    assert.match(line, /^api 10\.96\.0\.1 200 v1\.36\.3$/);

    // A second node's kube-proxy waits for the machine's lock instead of racing the first over
    // the host-wide chains: its cluster does not come up while the first holds it, and does once
    // the first is stopped.
    const waiting: string[] = [];
    let secondUp = false;
    const second = startCluster({
      name: 'kube-proxy-2',
      nodes: 1,
      realNode: { kubeProxy: true },
      onProgress: (message) => waiting.push(message),
    }).then((started) => {
      secondUp = true;
      return started;
    });
    await eventually(
      'the second kube-proxy waiting',
      () => (waiting.some((m) => /waiting for the machine's kube-proxy lock/.test(m)) ? true : undefined),
      120_000,
    );
    const stillAnswers = await getFresh(`http://${clusterIp}/`);
    assert.match(
      stillAnswers.body,
      /^hello from web-/,
      "the first cluster's Service still answers while the second waits",
    );
    assert.equal(secondUp, false);
    await cluster.stop();
    const started = await second;
    try {
      const health = await fetch(`http://127.0.0.1:${started.realNode!.slot.ports.proxyHealthz}/healthz`);
      assert.ok(health.ok, 'the second kube-proxy runs once the first is gone');
    } finally {
      await started.stop();
    }
  });
});
