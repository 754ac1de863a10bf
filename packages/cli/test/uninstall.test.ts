/**
 * `weft uninstall` deletes CRDs, so it runs on a control plane of its own (never the shared one
 * other packages' tests use): the controllers and CRDs go, the workloads they applied stay.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startCluster } from '@weft/e2e';
import { Client, RestConfig } from '@weft/runtime/client';
import { weft } from './run-weft.ts';

const cluster = await startCluster({ name: 'weft-cli-uninstall', nodes: 1 });
after(() => cluster.stop());
const client = new Client(RestConfig.fromFiles(cluster.kubeconfigPath), { fieldManager: 'e2e' });
const global = ['--kubeconfig', cluster.kubeconfigPath, '--timeout', '2m'];

describe('weft uninstall', () => {
  it('asks first, and without a terminal to ask on refuses unless --silent', async () => {
    const installed = await weft(['install', ...global]);
    assert.equal(installed.code, 0, installed.stderr);
    const result = await weft(['uninstall', ...global]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /pass --silent/);
    assert.ok(
      await client.find({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'weft-system',
        name: 'kustomize-controller',
      }),
    );
  });

  it('removes finalizers, the controllers, the CRDs and the namespace, and leaves applied workloads', async () => {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'podinfo',
        namespace: 'apps',
        labels: { 'kustomize.weft.dev/name': 'apps', 'kustomize.weft.dev/namespace': 'weft-system' },
      },
      spec: {
        selector: { matchLabels: { app: 'podinfo' } },
        template: {
          metadata: { labels: { app: 'podinfo' } },
          spec: { containers: [{ name: 'podinfo', image: 'podinfo:6' }] },
        },
      },
    });
    // A finalizer no controller is left to remove: uninstall must not hang on it.
    await client.apply({
      apiVersion: 'kustomize.weft.dev/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps', namespace: 'weft-system', finalizers: ['finalizers.weft.dev'] },
      spec: { interval: '10m', path: './', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' } },
    });
    const result = await weft(['uninstall', '--silent', ...global]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /removed finalizers from 1 objects/);
    const crds = await client.list({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      labelSelector: 'app.kubernetes.io/part-of=weft',
    });
    assert.equal(crds.items.length, 0);
    const roles = await client.list({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      labelSelector: 'app.kubernetes.io/part-of=weft',
    });
    assert.equal(roles.items.length, 0);
    const ns = await client.find({ apiVersion: 'v1', kind: 'Namespace', name: 'weft-system' });
    assert.ok(!ns || ns.metadata.deletionTimestamp, 'the namespace is neither gone nor being deleted');
    assert.ok(
      await client.find({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'podinfo' }),
    );
  });
});
