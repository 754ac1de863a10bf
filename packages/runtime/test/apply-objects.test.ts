/**
 * The apply engine's rules for single objects against a real kube-apiserver: the whole set is
 * validated before anything is applied, immutable fields need force, ssa and reconcile
 * annotations, kubectl edits undone or kept, and a health check that times out saying why.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Annotation, AnnotationValue } from '@weft/api';
import type { KubeObject } from '@weft/runtime/client';
import { HealthCheckError } from '@weft/runtime/health';
import { ApplyError } from '@weft/runtime/ssa';
import { applyTestCluster } from './apply-cluster.ts';

const { client, ns, manager } = await applyTestCluster('apply-objects');

describe('apply engine rules for single objects against a real apiserver', { timeout: 300_000 }, () => {
  it('validates the whole set first: one invalid object means nothing is applied', async () => {
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'valid', namespace: ns }, data: { a: 'b' } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'invalid', namespace: ns },
        spec: { ports: [{ port: 700000 }] },
      },
      { apiVersion: 'example.invalid/v1', kind: 'Nothing', metadata: { name: 'n', namespace: ns } },
    ];
    await assert.rejects(manager.applyAll(objects), (err: unknown) => {
      assert.ok(err instanceof ApplyError);
      assert.deepEqual(err.errors.map((e) => e.id).sort(), [
        `${ns}_invalid__Service`,
        `${ns}_n_example.invalid_Nothing`,
      ]);
      assert.match(err.message, /spec\.ports\[0\]\.port/);
      return true;
    });
    assert.equal(
      await client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'valid' }),
      undefined,
    );
  });

  it('refuses an immutable change without force, recreates the object with force', async () => {
    const job = (image: string): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: ns },
      spec: {
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image }] } },
      },
    });
    await manager.applyAll([job('migrate:1')]);
    const original = await client.get({
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace: ns,
      name: 'migrate',
    });
    await assert.rejects(manager.applyAll([job('migrate:2')]), (err: unknown) => {
      assert.ok(err instanceof ApplyError);
      assert.match(err.message, /field is immutable.*set force to delete and recreate/s);
      return true;
    });
    const result = await manager.applyAll([job('migrate:2')], { force: true });
    assert.equal(result.changeSet[0]?.action, 'configured');
    assert.match(result.changeSet[0]?.message ?? '', /recreated/);
    const recreated = await client.get({
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace: ns,
      name: 'migrate',
    });
    assert.notEqual(recreated.metadata.uid, original.metadata.uid);
  });

  it('skips objects annotated ssa: Ignore or reconcile: disabled', async () => {
    const ignored = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'ignored',
        namespace: ns,
        annotations: { [Annotation.KustomizeSSA]: AnnotationValue.SSAIgnore },
      },
    };
    await client.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'frozen',
          namespace: ns,
          annotations: { [Annotation.KustomizeReconcile]: AnnotationValue.Disabled },
        },
        data: { v: 'live' },
      },
      { fieldManager: 'human' },
    );
    const result = await manager.applyAll([
      ignored,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'frozen', namespace: ns },
        data: { v: 'git' },
      },
    ]);
    assert.deepEqual(
      result.changeSet.map((e) => e.action),
      ['skipped', 'skipped'],
    );
    assert.equal(
      await client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'ignored' }),
      undefined,
    );
    const frozen = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'frozen' });
    assert.deepEqual(frozen.data, { v: 'live' });
  });

  it('undoes kubectl edits by default, keeps fields other tools added with ssa: Merge', async () => {
    const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
    const desired = (name: string, merge: boolean): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: ns,
        ...(merge ? { annotations: { [Annotation.KustomizeSSA]: AnnotationValue.SSAMerge } } : {}),
      },
      data: { a: '1' },
    });
    const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
    for (const name of ['override', 'merge']) {
      const merge = name === 'merge';
      assert.deepEqual(
        (await manager.applyAll([desired(name, merge)])).changeSet.map((e) => e.action),
        ['created'],
      );
      // A human with kubectl changes our value and adds a field and an annotation; a
      // controller adds another field.
      await client.patch(
        ref(name),
        { metadata: { annotations: { [lastApplied]: '{}' } }, data: { a: '2', b: 'kubectl' } },
        { fieldManager: 'kubectl-edit' },
      );
      await client.patch(ref(name), { data: { c: 'controller' } }, { fieldManager: 'some-controller' });
      const again = await manager.applyAll([desired(name, merge)]);
      assert.deepEqual(
        again.changeSet.map((e) => e.action),
        ['configured'],
        name,
      );
      const live = await client.get(ref(name));
      if (merge) {
        assert.deepEqual(live.data, { a: '1', b: 'kubectl', c: 'controller' }, 'Merge keeps added fields');
        assert.equal(live.metadata.annotations?.[lastApplied], '{}');
      } else {
        assert.deepEqual(live.data, { a: '1', c: 'controller' }, 'Override removes what kubectl added');
        assert.equal(live.metadata.annotations?.[lastApplied], undefined);
        assert.equal(
          live.metadata.managedFields?.some((m) => m.manager === 'kubectl-edit'),
          false,
          'kubectl-edit no longer owns fields',
        );
      }
      assert.deepEqual(
        (await manager.applyAll([desired(name, merge)])).changeSet.map((e) => e.action),
        ['unchanged'],
        `${name}: then a no-op`,
      );
    }
  });

  it('times out on a Deployment that never becomes Ready and says why', async () => {
    const stuck: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'stuck', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'stuck' } },
        template: {
          metadata: { labels: { app: 'stuck' } },
          spec: { nodeSelector: { 'no-such-node': 'true' }, containers: [{ name: 'main', image: 'x:1' }] },
        },
      },
    };
    const result = await manager.applyAll([stuck]);
    await assert.rejects(
      manager.wait(
        result.changeSet.map((e) => e.ref),
        { timeoutMs: 3000, intervalMs: 500 },
      ),
      (err: unknown) => {
        assert.ok(err instanceof HealthCheckError);
        assert.equal(err.timedOut, true);
        assert.equal(err.objects.length, 1);
        assert.equal(err.objects[0]?.status, 'InProgress');
        assert.match(err.message, new RegExp(`Deployment/${ns}/stuck status: 'InProgress'`));
        return true;
      },
    );
  });
});
