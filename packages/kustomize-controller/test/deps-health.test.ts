/**
 * dependsOn ordering, health checks that time out, impersonation of a ServiceAccount without
 * rights (and one with them), cross-namespace refusal and deletion policies, on a real apiserver.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { HelmApiVersion } from '@weft/api';
import { eventually, startCluster, testNamespace } from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { parse } from 'yaml';
import {
  configMap,
  deployment,
  kustomization,
  kustomizationRef,
  kustomizeTestCluster,
  readyOf,
  startController,
  statusOf,
} from './helpers.ts';

const { kubeConfig, client, ns, source } = await kustomizeTestCluster('ks-deps');
const other = await testNamespace(kubeConfig, 'ks-other');
await startController(kubeConfig, [ns, other], ['--no-cross-namespace-refs']);

const ksRef = (name: string, namespace = ns) => kustomizationRef(namespace, name);
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

async function ready(name: string, namespace = ns): Promise<KubeObject> {
  return eventually(`${name} Ready`, async () => {
    const ks = await client.get(ksRef(name, namespace));
    return readyOf(ks)?.status === 'True' ? ks : undefined;
  });
}

async function readyFalse(
  name: string,
  reason: string,
  namespace = ns,
): Promise<{ ks: KubeObject; message: string }> {
  return eventually(`${name} Ready=False/${reason}`, async () => {
    const ks = await client.get(ksRef(name, namespace));
    const r = readyOf(ks);
    return r?.status === 'False' && r.reason === reason ? { ks, message: r.message } : undefined;
  });
}

/** How many times the Kustomization was refused for a dependency (Events fold repeats in a series). */
async function dependencyWaits(name: string): Promise<number> {
  const events = await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: ns });
  return events.items
    .filter(
      (e) =>
        (e.regarding as { name?: string } | undefined)?.name === name && e.reason === 'DependencyNotReady',
    )
    .reduce((sum, e) => sum + ((e.series as { count?: number } | undefined)?.count ?? 1), 0);
}

function readySince(ks: KubeObject): number {
  const c = (statusOf(ks).conditions as { type: string; lastTransitionTime: string }[]).find(
    (x) => x.type === 'Ready',
  );
  return Date.parse(c?.lastTransitionTime ?? '');
}

describe('Kustomization dependencies, health and identity', { timeout: 240_000 }, () => {
  it('waits for dependsOn to be Ready before applying', async () => {
    await source.publish(ns, 'deps', {
      'first/cm.yaml': configMap('first', { k: 'v' }),
      'second/cm.yaml': configMap('second', { k: 'v' }),
    });
    await client.create(
      kustomization(ns, 'second', {
        sourceRef: { kind: 'GitRepository', name: 'deps' },
        path: './second',
        targetNamespace: ns,
        dependsOn: [{ name: 'first' }],
      }),
    );
    const { message } = await readyFalse('second', 'DependencyNotReady');
    assert.match(message, new RegExp(`Kustomization/${ns}/first`));
    assert.equal(await client.find(cmRef('second')), undefined);

    await client.create(
      kustomization(ns, 'first', {
        sourceRef: { kind: 'GitRepository', name: 'deps' },
        path: './first',
        targetNamespace: ns,
      }),
    );
    const first = await ready('first');
    const second = await ready('second');
    assert.ok(readySince(first) <= readySince(second));
    assert.equal(statusOf(second).lastAppliedRevision, statusOf(first).lastAppliedRevision);
    const cmFirst = await client.get(cmRef('first'));
    const cmSecond = await client.get(cmRef('second'));
    assert.ok(
      Date.parse(cmFirst.metadata.creationTimestamp ?? '') <=
        Date.parse(cmSecond.metadata.creationTimestamp ?? ''),
    );
  });

  // No helm-controller runs here: the test plays its part by writing the HelmRelease's status
  // through the status subresource, which is all a dependent Kustomization reads.
  it('waits for a HelmRelease in dependsOn, and applies as soon as it becomes Ready', async () => {
    const hrRef = { apiVersion: HelmApiVersion, kind: 'HelmRelease', namespace: ns, name: 'database' };
    await client.create({
      apiVersion: HelmApiVersion,
      kind: 'HelmRelease',
      metadata: { name: 'database', namespace: ns },
      spec: {
        interval: '1h',
        chart: { spec: { chart: 'postgres', sourceRef: { kind: 'HelmRepository', name: 'charts' } } },
      },
    });
    await source.publish(ns, 'after-helm', { 'cm.yaml': configMap('after-helm', { k: 'v' }) });
    await client.create(
      kustomization(ns, 'after-helm', {
        sourceRef: { kind: 'GitRepository', name: 'after-helm' },
        targetNamespace: ns,
        dependsOn: [{ kind: 'HelmRelease', name: 'database' }],
        // Far beyond the test's wait: only the HelmRelease watch can start the apply in time.
        retryInterval: '1h',
      }),
    );
    const { message } = await readyFalse('after-helm', 'DependencyNotReady');
    assert.match(message, new RegExp(`HelmRelease/${ns}/database' is not ready`));
    assert.equal(await client.find(cmRef('after-helm')), undefined);

    // Ready, but for an older generation: still not ready.
    // The refusal's Event is written in the background: count it once it is there.
    const waitsBefore = await eventually('the DependencyNotReady event', async () => {
      const n = await dependencyWaits('after-helm');
      return n > 0 ? n : undefined;
    });
    const release = await client.get(hrRef);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const readyCondition = {
      type: 'Ready',
      status: 'True',
      reason: 'InstallSucceeded',
      message: 'installed',
      lastTransitionTime: now,
    };
    await client.patchStatus(hrRef, {
      observedGeneration: (release.metadata.generation ?? 1) - 1,
      conditions: [readyCondition],
    });
    // The watch reconciles it again (one more DependencyNotReady) and it still waits.
    await eventually('a reconcile after the stale Ready', async () =>
      (await dependencyWaits('after-helm')) > waitsBefore ? true : undefined,
    );
    assert.equal(await client.find(cmRef('after-helm')), undefined);
    assert.equal(readyOf(await client.get(ksRef('after-helm')))?.reason, 'DependencyNotReady');

    const readyAt = Date.now();
    await client.patchStatus(hrRef, {
      observedGeneration: release.metadata.generation,
      conditions: [readyCondition],
    });
    await ready('after-helm');
    assert.ok(Date.now() - readyAt < 30_000, 'applied through the watch, not the 1h retry');
    assert.ok(await client.find(cmRef('after-helm')));
  });

  it('fails the health check of a Deployment that never becomes Ready, after the timeout', async () => {
    await source.publish(ns, 'unhealthy', {
      'web.yaml': deployment('stuck', '      nodeSelector: {no-such-node: "true"}\n'),
    });
    await client.create(
      kustomization(ns, 'unhealthy', {
        sourceRef: { kind: 'GitRepository', name: 'unhealthy' },
        targetNamespace: ns,
        wait: true,
        timeout: '3s',
      }),
    );
    const { ks, message } = await readyFalse('unhealthy', 'HealthCheckFailed');
    assert.match(message, new RegExp(`Deployment/${ns}/stuck`));
    const healthy = (statusOf(ks).conditions as { type: string; status: string; reason: string }[]).find(
      (c) => c.type === 'Healthy',
    );
    assert.deepEqual([healthy?.status, healthy?.reason], ['False', 'HealthCheckFailed']);
    // Applied but not healthy: in the inventory, yet not the last applied revision.
    assert.ok(JSON.stringify(statusOf(ks).inventory).includes(`${ns}_stuck_apps_Deployment`));
    assert.equal(statusOf(ks).lastAppliedRevision, undefined);
  });

  it('checks named objects with healthChecks: not Ready while one is unhealthy, Ready once it is', async () => {
    // The checked Deployment is not in the applied set, so only spec.healthChecks can look at it.
    const web = parse(deployment('named-web', '      nodeSelector: {no-such-node: "true"}\n')) as KubeObject;
    await client.create({ ...web, metadata: { ...web.metadata, namespace: ns } });
    await source.publish(ns, 'named', { 'cm.yaml': configMap('named', { k: 'v' }) });
    await client.create(
      kustomization(ns, 'named', {
        sourceRef: { kind: 'GitRepository', name: 'named' },
        targetNamespace: ns,
        healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'named-web', namespace: ns }],
        timeout: '3s',
        retryInterval: '2s',
      }),
    );
    const { message } = await readyFalse('named', 'HealthCheckFailed');
    assert.match(message, new RegExp(`Deployment/${ns}/named-web`));
    await client.patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'named-web' },
      { spec: { template: { spec: { nodeSelector: null } } } },
    );
    const ks = await ready('named');
    const healthy = (statusOf(ks).conditions as { type: string; status: string }[]).find(
      (c) => c.type === 'Healthy',
    );
    assert.equal(healthy?.status, 'True');
  });

  it('applies as spec.serviceAccountName: forbidden without rights, applied with them', async () => {
    for (const name of ['nobody', 'deployer']) {
      await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } });
    }
    await client.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer-admin', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
    });
    await source.publish(ns, 'tenant', { 'cm.yaml': configMap('tenant', { k: 'v' }) });
    await client.create(
      kustomization(ns, 'tenant', {
        sourceRef: { kind: 'GitRepository', name: 'tenant' },
        targetNamespace: ns,
        serviceAccountName: 'nobody',
      }),
    );
    const { message } = await readyFalse('tenant', 'ReconciliationFailed');
    assert.match(message, /forbidden/i);
    assert.match(message, new RegExp(`system:serviceaccount:${ns}:nobody`));
    assert.equal(await client.find(cmRef('tenant')), undefined);

    await client.patch(ksRef('tenant'), { spec: { serviceAccountName: 'deployer' } });
    await ready('tenant');
    const cm = await client.get(cmRef('tenant'));
    assert.ok(cm.metadata.managedFields?.some((m) => m.manager === 'kustomize-controller'));
  });

  it('applies to the cluster of a kubeconfig Secret (spec.kubeConfig), not to its own', async (t) => {
    // A second control plane: objects must land there and not in the controller's cluster.
    const remote = await startCluster({ name: 'ks-remote', nodes: 1 });
    t.after(async () => {
      // Finalize (prune from the remote cluster) while that cluster still runs.
      await client.delete(ksRef('remote')).catch(() => {});
      await eventually('remote Kustomization finalized', async () =>
        (await client.find(ksRef('remote'))) === undefined ? true : undefined,
      );
      await remote.stop();
    });
    const remoteClient = new Client(await remote.kubeConfig(), { fieldManager: 'e2e' });
    await remoteClient.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const kubeconfig = await readFile(remote.kubeconfigPath, 'utf8');
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'remote-kubeconfig', namespace: ns },
      stringData: { 'value.yaml': kubeconfig },
    });
    await source.publish(ns, 'remote', { 'cm.yaml': configMap('remote', { k: 'v' }) });
    await client.create(
      kustomization(ns, 'remote', {
        sourceRef: { kind: 'GitRepository', name: 'remote' },
        targetNamespace: ns,
        kubeConfig: { secretRef: { name: 'missing-kubeconfig' } },
      }),
    );
    const { message } = await readyFalse('remote', 'ReconciliationFailed');
    assert.match(message, /kubeconfig/);
    assert.equal(await client.find(cmRef('remote')), undefined);
    await client.patch(ksRef('remote'), {
      spec: { kubeConfig: { secretRef: { name: 'remote-kubeconfig' } } },
    });
    await ready('remote');
    const cm = await remoteClient.get(cmRef('remote'));
    assert.equal(cm.metadata.labels?.['kustomize.weft.dev/name'], 'remote');
    assert.equal(await client.find(cmRef('remote')), undefined, 'nothing is applied to the local cluster');
  });

  it('refuses a source in another namespace with --no-cross-namespace-refs', async () => {
    await client.create(
      kustomization(other, 'cross', {
        sourceRef: { kind: 'GitRepository', name: 'tenant', namespace: ns },
        targetNamespace: other,
      }),
    );
    const { ks, message } = await readyFalse('cross', 'AccessDenied', other);
    assert.match(message, /cross-namespace references have been blocked/);
    const stalled = (statusOf(ks).conditions as { type: string; status: string }[]).find(
      (c) => c.type === 'Stalled',
    );
    assert.equal(stalled?.status, 'True');
  });

  it('deletes applied objects on deletion with prune, and orphans them with deletionPolicy Orphan', async () => {
    await source.publish(ns, 'gc', {
      'pruned/cm.yaml': configMap('gc-pruned', { k: 'v' }),
      'orphan/cm.yaml': configMap('gc-orphan', { k: 'v' }),
    });
    await client.create(
      kustomization(ns, 'gc-pruned', {
        sourceRef: { kind: 'GitRepository', name: 'gc' },
        path: './pruned',
        targetNamespace: ns,
      }),
    );
    await client.create(
      kustomization(ns, 'gc-orphan', {
        sourceRef: { kind: 'GitRepository', name: 'gc' },
        path: './orphan',
        targetNamespace: ns,
        deletionPolicy: 'Orphan',
      }),
    );
    await ready('gc-pruned');
    await ready('gc-orphan');
    await client.delete(ksRef('gc-pruned'));
    await client.delete(ksRef('gc-orphan'));
    await eventually('both Kustomizations gone', async () =>
      !(await client.find(ksRef('gc-pruned'))) && !(await client.find(ksRef('gc-orphan'))) ? true : undefined,
    );
    await eventually('pruned ConfigMap gone', async () =>
      (await client.find(cmRef('gc-pruned'))) ? undefined : true,
    );
    const orphan = await client.get(cmRef('gc-orphan'));
    assert.equal(orphan.metadata.deletionTimestamp, undefined);
  });
});
