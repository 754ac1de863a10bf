// biome-ignore-all lint/suspicious/noTemplateCurlyInString: manifests carry ${var} for postBuild substitution.
/**
 * The watches of kustomize-controller, against a real apiserver: with `interval` and
 * `retryInterval` at 10 minutes, only a watch can make a Kustomization act within seconds, so
 * each test fails when its watch is removed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Label, ReconcileWatchEnabled } from '@weft/api';
import { eventually } from '@weft/e2e';
import {
  configMap,
  dataOf,
  kustomization,
  kustomizeTestCluster,
  startController,
  waitReadyAt,
} from './helpers.ts';

const { kubeConfig, client, ns, source } = await kustomizeTestCluster('ks-watch');
await startController(kubeConfig, [ns]);

const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
// Well under the 10 minutes of interval and retryInterval, with room for a loaded machine.
const soon = 30_000;

const readyAt = (name: string, revision: string, timeoutMs?: number) =>
  waitReadyAt(client, ns, name, revision, timeoutMs);

describe('kustomize-controller watches', { timeout: 180_000 }, () => {
  it('applies a new source revision at once, not at its interval or retryInterval', async () => {
    const v1 = await source.publish(ns, 'repo-a', { 'cm.yaml': configMap('from-a', { rev: 'one' }) });
    await client.create(
      kustomization(ns, 'follows-a', {
        interval: '10m',
        retryInterval: '10m',
        targetNamespace: ns,
        sourceRef: { kind: 'GitRepository', name: 'repo-a' },
      }),
    );
    await readyAt('follows-a', v1.revision);
    const published = Date.now();
    const v2 = await source.publish(ns, 'repo-a', { 'cm.yaml': configMap('from-a', { rev: 'two' }) });
    await readyAt('follows-a', v2.revision, soon);
    assert.deepEqual(dataOf(await client.get(cmRef('from-a'))), { rev: 'two' });
    assert.ok(Date.now() - published < soon);
  });

  it('re-applies with the new value when a watched substituteFrom ConfigMap changes', async () => {
    const watchLabel = { [Label.ReconcileWatch]: ReconcileWatchEnabled };
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'vars', namespace: ns, labels: watchLabel },
      data: { greeting: 'hello' },
    });
    const v1 = await source.publish(ns, 'repo-b', {
      'cm.yaml': configMap('greeting', { text: '${greeting}' }),
    });
    await client.create(
      kustomization(ns, 'substitutes', {
        interval: '10m',
        retryInterval: '10m',
        targetNamespace: ns,
        sourceRef: { kind: 'GitRepository', name: 'repo-b' },
        postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }] },
      }),
    );
    await readyAt('substitutes', v1.revision);
    assert.deepEqual(dataOf(await client.get(cmRef('greeting'))), { text: 'hello' });

    await client.patch(cmRef('vars'), { data: { greeting: 'goodbye' } });
    await eventually(
      'greeting re-applied with the new value',
      async () => (dataOf(await client.get(cmRef('greeting'))).text === 'goodbye' ? true : undefined),
      soon,
    );
  });
});
