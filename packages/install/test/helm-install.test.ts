/**
 * The chart in a real cluster (KWOK nodes: pods become Ready without running, which proves the
 * objects, not the images): install only the chosen controllers, roll a Deployment with an
 * upgrade that changes a flag, and uninstall without touching what the controllers applied.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, eventually, repoRoot, toolPath, useCluster } from '@weft/e2e';
import { Client, type KubeObject, RestConfig } from '@weft/runtime/client';
import { computeStatus, HealthStatus } from '@weft/runtime/health';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const cluster: Cluster = await useCluster();
const client = new Client(RestConfig.fromFiles(cluster.kubeconfigPath), { fieldManager: 'e2e' });
const namespace = `weft-helm-${randomBytes(3).toString('hex')}`;
const appNamespace = `${namespace}-app`;
const chart = join(repoRoot, 'charts', 'weft');

function helm(...args: string[]) {
  return run(toolPath('helm'), [...args, '--kubeconfig', cluster.kubeconfigPath], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

after(async () => {
  await helm('uninstall', 'weft', '--namespace', namespace).catch(() => undefined);
  for (const name of [namespace, appNamespace])
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name }).catch(() => undefined);
});

async function deployments(): Promise<KubeObject[]> {
  return (await client.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace })).items;
}

async function allAvailable(): Promise<string[] | undefined> {
  const items = await deployments();
  const ready = items.every((item) => computeStatus(item).status === HealthStatus.Current);
  return ready ? items.map((item) => item.metadata.name ?? '').sort() : undefined;
}

function argsOf(object: KubeObject): string[] {
  const spec = object.spec as { template: { spec: { containers: Array<{ args: string[] }> } } };
  return spec.template.spec.containers[0]?.args ?? [];
}

describe('helm install of charts/weft', () => {
  it('installs exactly the chosen controllers and their CRDs, and they become Available', async () => {
    // --take-ownership: other tests on a shared cluster may have applied the CRDs already.
    await helm(
      'install',
      'weft',
      chart,
      '--namespace',
      namespace,
      '--create-namespace',
      '--take-ownership',
      '--set',
      'notification-controller.enabled=false',
      '--set',
      'helm-controller.enabled=false',
      '--wait',
      '--timeout',
      '3m',
    );
    const names = await eventually('the Deployments Available', allAvailable);
    assert.deepEqual(names, ['kustomize-controller', 'source-controller']);
    const { stdout } = await helm('get', 'manifest', 'weft', '--namespace', namespace);
    const released = parseAllDocuments(stdout)
      .map((document) => document.toJS() as KubeObject | null)
      .filter((object): object is KubeObject => object !== null);
    const crdGroups = new Set(
      released
        .filter((object) => object.kind === 'CustomResourceDefinition')
        .map((crd) => (crd.spec as { group: string }).group),
    );
    assert.deepEqual([...crdGroups].sort(), ['kustomize.weft.dev', 'source.weft.dev']);
    for (const crd of released.filter((object) => object.kind === 'CustomResourceDefinition')) {
      const live = await client.get({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name: crd.metadata.name ?? '',
      });
      assert.equal(
        computeStatus(live).status,
        HealthStatus.Current,
        `${crd.metadata.name} is not Established`,
      );
    }
    assert.ok(!released.some((object) => object.metadata.name?.includes('notification')));
  });

  it('helm upgrade that changes a flag rolls the Deployment: a new ReplicaSet carries the flag', async () => {
    await helm(
      'upgrade',
      'weft',
      chart,
      '--namespace',
      namespace,
      '--reuse-values',
      '--set',
      'kustomize-controller.extraArgs={--concurrent=8}',
    );
    // Not `helm upgrade --wait`: it waits for every Deployment, and on a loaded machine KWOK's nodes
    // flap NotReady now and then, leaving the pods of an unchanged Deployment NotReady for good.
    const deployment = await client.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace,
      name: 'kustomize-controller',
    });
    assert.ok(argsOf(deployment).includes('--concurrent=8'));
    await eventually(
      'kustomize-controller rolled out',
      async () =>
        computeStatus(
          await client.get({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            namespace,
            name: 'kustomize-controller',
          }),
        ).status === HealthStatus.Current || undefined,
    );
    const replicaSets = (
      await client.list({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        namespace,
        labelSelector: 'app=kustomize-controller',
      })
    ).items;
    const byRevision = (rs: KubeObject) =>
      Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    const newest = replicaSets.sort((a, b) => byRevision(b) - byRevision(a))[0];
    assert.equal(replicaSets.length, 2);
    assert.ok(newest && byRevision(newest) === 2);
    assert.ok(argsOf(newest).includes('--concurrent=8'));
    assert.ok(!argsOf(replicaSets[1] as KubeObject).includes('--concurrent=8'));
  });

  it('helm uninstall removes the controllers and leaves the CRDs, weft objects and applied workloads', async () => {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: appNamespace } });
    // What kustomize-controller would have applied, and the Kustomization that applied it.
    await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'app-config',
        namespace: appNamespace,
        labels: { 'kustomize.weft.dev/name': 'apps', 'kustomize.weft.dev/namespace': namespace },
      },
      data: { greeting: 'hello' },
    });
    await client.apply({
      apiVersion: 'kustomize.weft.dev/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps', namespace: appNamespace },
      spec: { interval: '10m', path: './', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' } },
    });
    await helm('uninstall', 'weft', '--namespace', namespace, '--wait', '--timeout', '2m');
    await eventually('the Deployments gone', async () =>
      (await deployments()).length === 0 ? true : undefined,
    );
    const crd = await client.find({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name: 'kustomizations.kustomize.weft.dev',
    });
    assert.ok(crd, 'the Kustomization CRD was deleted');
    assert.ok(
      await client.find({
        apiVersion: 'kustomize.weft.dev/v1',
        kind: 'Kustomization',
        namespace: appNamespace,
        name: 'apps',
      }),
    );
    assert.ok(
      await client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNamespace, name: 'app-config' }),
    );
  });
});
