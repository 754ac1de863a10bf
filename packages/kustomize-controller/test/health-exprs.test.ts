/**
 * spec.healthCheckExprs (CEL) decide the health of the kinds they name: a ConfigMap stands in
 * for a custom resource whose readiness only its own fields tell.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '@weft/e2e';
import {
  configMap,
  kustomization,
  kustomizationRef,
  kustomizeTestCluster,
  readyOf,
  startController,
  statusOf,
} from './helpers.ts';

const { kubeConfig, client, ns, source } = await kustomizeTestCluster('ks-cel');
await startController(kubeConfig, [ns]);

const ksRef = (name: string) => kustomizationRef(ns, name);
const healthCheckExprs = [
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    failed: "data.phase == 'Broken'",
    current: "data.phase == 'Ready'",
  },
];

async function outcome(name: string, revision: string) {
  return eventually(`${name} reconciled at ${revision}`, async () => {
    const ks = await client.get(ksRef(name));
    const ready = readyOf(ks);
    if (ready?.status === 'True' && statusOf(ks).lastAppliedRevision === revision) return ready;
    if (ready?.status === 'False' && ready.reason === 'HealthCheckFailed') return ready;
    return undefined;
  });
}

describe('Kustomization spec.healthCheckExprs', { timeout: 120_000 }, () => {
  it('is Ready when the current expression holds', async () => {
    const published = await source.publish(ns, 'cel-ok', {
      'cm.yaml': configMap('cel-ok', { phase: 'Ready' }),
    });
    await client.create(
      kustomization(ns, 'cel-ok', {
        sourceRef: { kind: 'GitRepository', name: 'cel-ok' },
        targetNamespace: ns,
        wait: true,
        timeout: '20s',
        healthCheckExprs,
      }),
    );
    assert.equal((await outcome('cel-ok', published.revision)).status, 'True');
  });

  it('fails the health check at once when the failed expression holds', async () => {
    const published = await source.publish(ns, 'cel-bad', {
      'cm.yaml': configMap('cel-bad', { phase: 'Broken' }),
    });
    await client.create(
      kustomization(ns, 'cel-bad', {
        sourceRef: { kind: 'GitRepository', name: 'cel-bad' },
        targetNamespace: ns,
        wait: true,
        timeout: '60s',
        healthCheckExprs,
      }),
    );
    const started = Date.now();
    const ready = await outcome('cel-bad', published.revision);
    assert.equal(ready.status, 'False');
    assert.match(ready.message, /health check failed for: \[ConfigMap\/.*cel-bad status: 'Failed'/);
    assert.ok(Date.now() - started < 60_000, 'failed before the timeout');
  });

  it('stalls on an expression that does not parse, naming it', async () => {
    await source.publish(ns, 'cel-syntax', { 'cm.yaml': configMap('cel-syntax', { phase: 'Ready' }) });
    await client.create(
      kustomization(ns, 'cel-syntax', {
        sourceRef: { kind: 'GitRepository', name: 'cel-syntax' },
        targetNamespace: ns,
        wait: true,
        healthCheckExprs: [{ apiVersion: 'v1', kind: 'ConfigMap', current: 'data.phase ==' }],
      }),
    );
    const stalled = await eventually('cel-syntax Stalled', async () => {
      const ks = await client.get(ksRef('cel-syntax'));
      const conditions = (statusOf(ks).conditions ?? []) as {
        type: string;
        status: string;
        message: string;
      }[];
      return conditions.find((c) => c.type === 'Stalled' && c.status === 'True');
    });
    assert.match(stalled.message, /^healthCheckExprs\[0\] \(ConfigMap\) current:/);
  });
});
