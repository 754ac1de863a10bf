/**
 * The controller images on the real node, pulled from the e2e registry. source-controller
 * reconciles a GitRepository from the e2e git server and, killed, restarts and carries on; the
 * others start and turn Ready (helm-controller's HelmRelease from its image: install's test/in-cluster/helm-controller.test.ts). Each prints its pod's start-to-Ready time and RSS.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { crds } from '@weft/api';
import {
  type Cluster,
  eventually,
  freePort,
  type GitHttpServer,
  imagesDir,
  type OciRegistry,
  pushImageLayout,
  realNodeUnavailable,
  startCluster,
  startGitHttpServer,
  startOciRegistry,
  testNamespace,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { controllerProcess, runControllerPod } from './controller-pod.ts';

const controllers = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
  'image-automation-controller',
];
const missing = controllers.find((name) => !existsSync(join(imagesDir(), name, 'index.json')));
const unavailable =
  realNodeUnavailable() ??
  (missing ? `no ${missing} image in ${imagesDir()} (e2e/run setup builds it)` : undefined);

describe('controller images on the real node', { skip: unavailable }, () => {
  let cluster: Cluster;
  let config: KubeConfig;
  let registry: OciRegistry;
  let git: GitHttpServer;
  const images: Record<string, { reference: string; digest: string }> = {};
  before(async () => {
    [cluster, registry, git] = await Promise.all([
      startCluster({ name: 'image-proof', realNode: true }),
      startOciRegistry(),
      startGitHttpServer(),
    ]);
    config = await cluster.kubeConfig();
    await cluster.realNode!.trustRegistry(registry.host);
    for (const name of controllers) {
      const digest = await pushImageLayout(
        { url: registry.url },
        join(imagesDir(), name),
        `weft/${name}`,
        '0.1.0',
      );
      images[name] = { reference: `${registry.host}/weft/${name}:0.1.0`, digest };
    }
    // Server-side apply of the raw CRDs: the typed client would drop defaults and enums (0002).
    const installer = new Client(config, { fieldManager: 'image-test' });
    for (const crd of crds()) await installer.apply(crd as unknown as KubeObject, { force: true });
    await eventually('GitRepository served', () =>
      new Client(config).list({ apiVersion: 'source.weft.dev/v1', kind: 'GitRepository', limit: 1 }),
    );
  });
  after(async () => {
    await cluster?.stop();
    await registry?.stop();
    await git?.stop();
  });

  test('source-controller: Ready behind its probes, reconciles from the git server, survives a kill', async () => {
    const namespace = await testNamespace(config, 'weft-system');
    const { reference, digest } = images['source-controller']!;
    const storagePort = await freePort();
    const pod = await runControllerPod(cluster, config, {
      namespace,
      name: 'source-controller',
      image: reference,
      args: () => [
        `--storage-addr=127.0.0.1:${storagePort}`,
        `--storage-adv-addr=127.0.0.1:${storagePort}`,
        '--storage-path=/tmp/data',
      ],
    });
    const ready = await pod.readyPod();
    assert.ok(ready?.status?.containerStatuses?.[0]?.imageID?.endsWith(digest), 'runs the pushed image');
    const first = await controllerProcess(cluster, 'weft-source-controller.js');
    assert.equal(first.uid, '65532', 'runs as the image user');
    console.log(`# source-controller: pod start to Ready ${pod.startToReadyMs} ms, RSS ${first.rssMiB} MiB`);

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
    const artifactAt = (revision: string) =>
      eventually(
        `GitRepository at ${revision}`,
        async () => {
          const obj = (await objects.getNamespacedCustomObject({
            group: 'source.weft.dev',
            version: 'v1',
            namespace,
            plural: 'gitrepositories',
            name: 'app',
          })) as { status?: { artifact?: { revision?: string; url?: string } } };
          return obj.status?.artifact?.revision === revision ? obj.status.artifact : undefined;
        },
        120_000,
      );
    const artifact = await artifactAt(`main@sha1:${commit}`);
    const served = await fetch(artifact.url!);
    assert.equal(served.status, 200, 'the artifact server in the pod serves the artifact');
    await served.arrayBuffer();

    // Killed: the kubelet restarts the container, which then publishes the next commit.
    process.kill(first.pid, 'SIGKILL');
    await eventually(
      'the container restarted and Ready',
      async () => {
        const restarted = await pod.readyPod();
        return (restarted?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? restarted : undefined;
      },
      120_000,
    );
    const next = await git.commit('app', { 'deploy/next.yaml': 'kind: Secret\n' }, 'next');
    await artifactAt(`main@sha1:${next}`);
    assert.notEqual((await controllerProcess(cluster, 'weft-source-controller.js')).pid, first.pid);
  });

  for (const name of controllers.filter((controller) => controller !== 'source-controller')) {
    test(`${name}: starts from its image and turns Ready`, async () => {
      const namespace = await testNamespace(config, name.split('-')[0]);
      const receiverPort = await freePort();
      const pod = await runControllerPod(cluster, config, {
        namespace,
        name,
        image: images[name]!.reference,
        args: () =>
          name === 'notification-controller'
            ? [`--receiver-addr=127.0.0.1:${receiverPort}`]
            : name === 'helm-controller'
              ? [
                  '--helm-binary=/usr/local/bin/helm',
                  '--helm-renderer-path=/usr/local/bin/weft-helm-renderer',
                ]
              : [],
      });
      const process = await controllerProcess(cluster, `weft-${name}.js`);
      assert.equal(process.uid, '65532');
      console.log(`# ${name}: pod start to Ready ${pod.startToReadyMs} ms, RSS ${process.rssMiB} MiB`);
    });
  }
});
