/**
 * spec.driftIgnoreRules: a writer standing in for an HPA scales a Deployment; the next reconciles
 * leave its replicas, and still restore a hand edit of another field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';
import {
  deployment,
  kustomization,
  kustomizeTestCluster,
  readyOf,
  startController,
  statusOf,
} from './helpers.ts';

const { kubeConfig, client, ns, source } = await kustomizeTestCluster('ks-ignore');
await startController(kubeConfig, [ns]);

const webRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' };
const ksRef = { apiVersion: 'kustomize.weft.dev/v1', kind: 'Kustomization', namespace: ns, name: 'app' };
type DeploymentSpec = { replicas: number; template: { spec: { containers: { image: string }[] } } };
const specOf = (obj: KubeObject) => obj.spec as DeploymentSpec;

/** Asks for a reconcile and waits until it was handled. */
async function reconcileNow(): Promise<void> {
  const requestedAt = `${Date.now()}`;
  await client.patch(ksRef, { metadata: { annotations: { 'reconcile.weft.dev/requestedAt': requestedAt } } });
  await eventually('reconcile handled', async () => {
    const ks = await client.get(ksRef);
    return statusOf(ks).lastHandledReconcileAt === requestedAt && readyOf(ks)?.status === 'True'
      ? ks
      : undefined;
  });
}

describe('Kustomization spec.driftIgnoreRules', { timeout: 120_000 }, () => {
  it('leaves replicas to the HPA and still corrects a hand edit elsewhere', async () => {
    const published = await source.publish(ns, 'app', { 'web.yaml': deployment('web') });
    await client.create(
      kustomization(ns, 'app', {
        sourceRef: { kind: 'GitRepository', name: 'app' },
        targetNamespace: ns,
        driftIgnoreRules: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment', name: 'w.*' } }],
      }),
    );
    await eventually('app Ready', async () => {
      const ks = await client.get(ksRef);
      return readyOf(ks)?.status === 'True' && statusOf(ks).lastAppliedRevision === published.revision
        ? ks
        : undefined;
    });
    assert.equal(specOf(await client.get(webRef)).replicas, 1, 'created with the declared replicas');

    // The HPA scales through its own field manager, as the real one does.
    await client.patch(webRef, { spec: { replicas: 5 } }, { fieldManager: 'horizontal-pod-autoscaler' });
    await reconcileNow();
    await reconcileNow();
    assert.equal(specOf(await client.get(webRef)).replicas, 5, 'the HPA keeps its replicas');

    // A hand edit of the image is drift and is undone; the replicas stay the HPA's.
    const edited = structuredClone(specOf(await client.get(webRef)).template.spec.containers);
    (edited[0] as { image: string }).image = 'nginx:hand-edited';
    await client.patch(
      webRef,
      { spec: { template: { spec: { containers: edited } } } },
      { fieldManager: 'kubectl-edit' },
    );
    await reconcileNow();
    const web = await client.get(webRef);
    assert.equal(specOf(web).template.spec.containers[0]?.image, 'nginx:1.27', 'the hand edit is restored');
    assert.equal(specOf(web).replicas, 5);
  });
});
