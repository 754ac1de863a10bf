/**
 * A set whose only write is to an existing object is applied without a dry run (apply.ts): the
 * apply's answer says configured or unchanged, and an invalid change fails alone, as validation,
 * leaving the live object as it was. Sets with more than one write still dry-run them all first.
 * Against a real kube-apiserver; the dry runs are counted on the real client that sends them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useCluster } from '@weft/e2e';
import { type ApplyOptions, Client, type KubeObject } from '@weft/runtime/client';
import { ApplyError, ResourceManager } from '@weft/runtime/ssa';
import { applyTestCluster } from './apply-cluster.ts';

const { client, ns } = await applyTestCluster('apply-lone');

/** The real client; counts the dry-run applies it sends. */
class CountingClient extends Client {
  dryRuns = 0;
  override apply<T extends KubeObject = KubeObject>(obj: KubeObject, options: ApplyOptions = {}): Promise<T> {
    if (options.dryRun) this.dryRuns++;
    return super.apply<T>(obj, options);
  }
}

const counting = new CountingClient(await (await useCluster()).kubeConfig(), {
  fieldManager: 'weft-apply-test',
});
const manager = new ResourceManager(counting);

const configMap = (name: string, value: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data: { value },
});
const service = (port: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: ns },
  spec: { ports: [{ name: 'http', port }] },
});
const dataOf = async (name: string) =>
  (await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name })).data;

describe('the lone write of a set against a real apiserver', { timeout: 300_000 }, () => {
  it('applies it without a dry run, says configured or unchanged, and fails alone when invalid', async () => {
    const first = await manager.applyAll([configMap('a', '1'), configMap('b', '1'), service(80)]);
    assert.deepEqual(
      first.changeSet.map((e) => e.action),
      ['created', 'created', 'created'],
    );

    counting.dryRuns = 0;
    const changed = await manager.applyAll([configMap('a', '2'), configMap('b', '1'), service(80)], {
      inventory: first.inventory,
    });
    assert.deepEqual(
      changed.changeSet.map((e) => [e.subject, e.action]),
      [
        [`ConfigMap/${ns}/a`, 'configured'],
        [`ConfigMap/${ns}/b`, 'unchanged'],
        [`Service/${ns}/web`, 'unchanged'],
      ],
    );
    assert.equal(counting.dryRuns, 0, 'the lone write was not dry-run');
    assert.deepEqual(await dataOf('a'), { value: '2' });

    await assert.rejects(
      manager.applyAll([configMap('a', '2'), configMap('b', '1'), service(700000)], {
        inventory: first.inventory,
      }),
      (err: unknown) => {
        assert.ok(err instanceof ApplyError);
        assert.match(err.message, /^validation failed for 1 object/);
        assert.match(err.message, /spec\.ports\[0\]\.port/);
        return true;
      },
    );
    const live = await client.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' });
    assert.equal((live.spec as { ports: { port: number }[] }).ports[0]?.port, 80);
  });

  it('dry-runs every write of a set with more than one, so an invalid one stops them all', async () => {
    counting.dryRuns = 0;
    await assert.rejects(
      manager.applyAll([configMap('a', '3'), configMap('b', '1'), service(700000)]),
      (err: unknown) => err instanceof ApplyError && /^validation failed/.test(err.message),
    );
    assert.ok(counting.dryRuns >= 2, `dry runs: ${counting.dryRuns}`);
    assert.deepEqual(await dataOf('a'), { value: '2' });
  });
});
