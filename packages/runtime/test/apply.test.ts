/**
 * The apply engine against a real kube-apiserver with KWOK nodes: staged apply with CRDs and a new
 * Namespace, change sets, no-op re-apply, prune with opt-outs and waiting for health. The rules
 * for single objects (validation, immutable fields, annotations, timeouts) are in
 * apply-objects.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Annotation, AnnotationValue, Label } from '@weft/api';
import type { KubeObject } from '@weft/runtime/client';
import type { ChangeSetEntry } from '@weft/runtime/ssa';
import { applyTestCluster } from './apply-cluster.ts';

const { client, owner, manager } = await applyTestCluster('apply');

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
});
