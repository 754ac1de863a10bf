/**
 * The apply engine against a real kube-apiserver with KWOK nodes: staged apply with CRDs and a new
 * Namespace, change sets, no-op re-apply, prune with opt-outs, whole-set validation, immutable
 * fields, per-object annotations and health checks.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Annotation, AnnotationValue, Label } from '@weft/api';
import { testNamespace, useCluster } from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { HealthCheckError } from '@weft/runtime/health';
import { ApplyError, type ChangeSetEntry, ResourceManager } from '@weft/runtime/ssa';

const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig, { fieldManager: 'weft-apply-test' });
const ns = await testNamespace(kubeConfig, 'apply');
const owner = { [Label.KustomizeName]: 'app', [Label.KustomizeNamespace]: ns };
const manager = new ResourceManager(client, { ownerLabels: owner });

const suffix = randomBytes(3).toString('hex');
const group = `apply-${suffix}.example.com`;
const appNs = `apply-app-${suffix}`;

const labelled = (obj: KubeObject): KubeObject => ({
  ...obj,
  metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, ...owner } },
});
const configMap = (
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): KubeObject =>
  labelled({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: annotations ? { name, namespace: appNs, annotations } : { name, namespace: appNs },
    data,
  });
const deployment = (
  name: string,
  extra: { nodeSelector?: Record<string, string>; app?: string } = {},
): KubeObject =>
  labelled({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: appNs },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: extra.app ?? name } },
      template: {
        metadata: { labels: { app: extra.app ?? name } },
        spec: {
          containers: [{ name: 'main', image: 'registry.example/web:1', ports: [{ containerPort: 8080 }] }],
          ...(extra.nodeSelector ? { nodeSelector: extra.nodeSelector } : {}),
        },
      },
    },
  });
const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
          },
        },
      },
    ],
  },
};
const widget = labelled({
  apiVersion: `${group}/v1`,
  kind: 'Widget',
  metadata: { name: 'w', namespace: appNs },
  spec: { size: 3 },
});

const baseSet = (): KubeObject[] => [
  widget,
  deployment('web'),
  configMap('settings', { mode: 'a' }),
  configMap('keep-me', { x: '1' }, { [Annotation.KustomizePrune]: AnnotationValue.Disabled }),
  configMap('seed', { v: '1' }, { [Annotation.KustomizeSSA]: AnnotationValue.SSAIfNotPresent }),
  labelled({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: appNs } }),
  crd,
];

const actions = (changeSet: ChangeSetEntry[]) =>
  Object.fromEntries(changeSet.map((e) => [e.subject, e.action]));

describe('apply engine against a real apiserver', { timeout: 300_000 }, () => {
  it('applies a set in stages, reports change sets, re-applies as a no-op, prunes and waits', async (t) => {
    t.after(async () => {
      await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: appNs }).catch(() => {});
      await client
        .delete({ apiVersion: crd.apiVersion, kind: crd.kind, name: `widgets.${group}` })
        .catch(() => {});
    });
    const first = await manager.applyAll(baseSet());
    assert.deepEqual(actions(first.changeSet), {
      [`CustomResourceDefinition/widgets.${group}`]: 'created',
      [`Namespace/${appNs}`]: 'created',
      [`Widget/${appNs}/w`]: 'created',
      [`Deployment/${appNs}/web`]: 'created',
      [`ConfigMap/${appNs}/settings`]: 'created',
      [`ConfigMap/${appNs}/keep-me`]: 'created',
      [`ConfigMap/${appNs}/seed`]: 'created',
    });
    // CRDs and Namespaces come first in the change set, the rest after.
    assert.deepEqual(
      first.changeSet
        .slice(0, 2)
        .map((e) => e.ref.kind)
        .sort(),
      ['CustomResourceDefinition', 'Namespace'],
    );
    assert.ok(first.inventory.entries.some((e) => e.id === `${appNs}_web_apps_Deployment` && e.v === 'v1'));
    assert.ok(first.inventory.entries.some((e) => e.id === `_${appNs}__Namespace`));

    const healthy = await manager.wait(
      [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: appNs, name: 'web' }],
      {
        timeoutMs: 120_000,
      },
    );
    assert.equal(healthy[0]?.status, 'Current');

    // Nothing changed: nothing is written, every object is unchanged.
    const before = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: appNs,
      name: 'settings',
    });
    const again = await manager.applyAll(baseSet());
    assert.ok(
      again.changeSet.every((e) => e.action === 'unchanged' || e.subject === `ConfigMap/${appNs}/seed`),
      JSON.stringify(actions(again.changeSet)),
    );
    assert.equal(actions(again.changeSet)[`ConfigMap/${appNs}/seed`], 'skipped');
    const after = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: appNs,
      name: 'settings',
    });
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.deepEqual(again.inventory, first.inventory);

    // Drift made by someone else is seen and corrected.
    await client.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name: 'settings' },
      { data: { mode: 'z' } },
      { fieldManager: 'kubectl-edit' },
    );
    // One object changed in the source; IfNotPresent keeps the live one.
    const changed = baseSet().map((o) => (o.metadata.name === 'seed' ? configMap('seed', { v: '2' }) : o));
    const third = await manager.applyAll(
      changed.map((o) =>
        o.metadata.name === 'seed'
          ? {
              ...o,
              metadata: {
                ...o.metadata,
                annotations: { [Annotation.KustomizeSSA]: AnnotationValue.SSAIfNotPresent },
              },
            }
          : o,
      ),
    );
    assert.equal(actions(third.changeSet)[`ConfigMap/${appNs}/settings`], 'configured');
    assert.equal(actions(third.changeSet)[`Deployment/${appNs}/web`], 'unchanged');
    const settings = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: appNs,
      name: 'settings',
    });
    assert.deepEqual(settings.data, { mode: 'a' });
    const seed = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name: 'seed' });
    assert.deepEqual(seed.data, { v: '1' });

    // Prune: what left the set is deleted, except opt-outs and objects another owner claims.
    const foreign = await client.apply(configMap('foreign', {}));
    await client.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name: 'foreign' },
      { metadata: { labels: { [Label.KustomizeName]: 'someone-else' } } },
    );
    const previous = {
      entries: [
        ...first.inventory.entries,
        { id: `${appNs}_foreign__ConfigMap`, v: 'v1' },
        { id: `${appNs}_gone__ConfigMap`, v: 'v1' },
      ],
    };
    const smaller = baseSet().filter((o) => o.metadata.name !== 'settings' && o.metadata.name !== 'keep-me');
    const fourth = await manager.applyAll(smaller);
    const pruned = await manager.prune(previous, fourth.inventory);
    assert.deepEqual(actions(pruned), {
      [`ConfigMap/${appNs}/settings`]: 'deleted',
      [`ConfigMap/${appNs}/keep-me`]: 'skipped',
      [`ConfigMap/${appNs}/foreign`]: 'skipped',
    });
    assert.equal(
      await client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name: 'settings' }),
      undefined,
    );
    assert.ok(await client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name: 'keep-me' }));
    // Another owner's object is still the same object: not deleted, not deleted and recreated.
    const stillForeign = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: appNs,
      name: 'foreign',
    });
    assert.equal(stillForeign.metadata.uid, foreign.metadata.uid);
    assert.equal(typeof foreign.metadata.uid, 'string');
  });

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
