import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../client/types.ts';
import { isUnchangedByApply, sameObject } from './compare.ts';
import { diffInventory, inventoryOf, objectId, parseObjectId, refFromEntry } from './inventory.ts';
import { mapLimit } from './map-limit.ts';
import { kindsDefinedBy, Stage, stageOf } from './stages.ts';

const o = (
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
  rest: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace ? { name, namespace } : { name },
  ...rest,
});

describe('inventory', () => {
  it('formats and parses ids as Flux does', () => {
    const dep = o('apps/v1', 'Deployment', 'web', 'prod');
    assert.equal(objectId(dep), 'prod_web_apps_Deployment');
    assert.equal(objectId(o('v1', 'Namespace', 'prod')), '_prod__Namespace');
    assert.deepEqual(parseObjectId('prod_web_apps_Deployment'), {
      namespace: 'prod',
      name: 'web',
      group: 'apps',
      kind: 'Deployment',
    });
    assert.deepEqual(refFromEntry({ id: '_prod__Namespace', v: 'v1' }), {
      apiVersion: 'v1',
      kind: 'Namespace',
      name: 'prod',
    });
    assert.deepEqual(refFromEntry({ id: 'prod_web_apps_Deployment', v: 'v1' }), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      namespace: 'prod',
    });
    assert.throws(() => parseObjectId('a_b_c'), /invalid inventory id/);
  });
  it('sorts entries and finds what left the set', () => {
    const before = inventoryOf([
      o('v1', 'ConfigMap', 'b', 'ns'),
      o('v1', 'ConfigMap', 'a', 'ns'),
      o('apps/v1', 'Deployment', 'd', 'ns'),
    ]);
    assert.deepEqual(
      before.entries.map((e) => e.id),
      ['ns_a__ConfigMap', 'ns_b__ConfigMap', 'ns_d_apps_Deployment'],
    );
    const after = inventoryOf([o('v1', 'ConfigMap', 'a', 'ns'), o('apps/v1', 'Deployment', 'd', 'ns')]);
    assert.deepEqual(diffInventory(before, after), [{ id: 'ns_b__ConfigMap', v: 'v1' }]);
    assert.deepEqual(diffInventory(undefined, after), []);
  });
});

describe('stages', () => {
  it('puts CRDs, Namespaces and ClusterRoles first, *Class kinds second', () => {
    assert.equal(
      stageOf(o('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'x')),
      Stage.ClusterDefinitions,
    );
    assert.equal(stageOf(o('v1', 'Namespace', 'x')), Stage.ClusterDefinitions);
    assert.equal(stageOf(o('rbac.authorization.k8s.io/v1', 'ClusterRole', 'x')), Stage.ClusterDefinitions);
    assert.equal(stageOf(o('storage.k8s.io/v1', 'StorageClass', 'x')), Stage.Classes);
    assert.equal(stageOf(o('apps/v1', 'Deployment', 'x', 'ns')), Stage.Resources);
  });
  it('knows the kinds CRDs of the set define', () => {
    const crd = o('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, {
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' } },
    });
    assert.deepEqual([...kindsDefinedBy([crd])], ['example.com/Widget']);
  });
});

describe('compare', () => {
  const desired: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'ns', labels: { a: 'b' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'd' } },
      template: {
        metadata: { labels: { app: 'd' } },
        spec: { containers: [{ name: 'c', image: 'nginx', args: ['x'], ports: [{ containerPort: 80 }] }] },
      },
    },
  };
  // What the server answered for that apply: defaults added, our fields in managedFields.
  const live = (): KubeObject => {
    const obj = structuredClone(desired);
    obj.metadata.resourceVersion = '7';
    obj.metadata.uid = 'u';
    obj.metadata.managedFields = [
      {
        manager: 'weft',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:a': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"c"}': {
                    '.': {},
                    'f:args': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': {
                      'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ];
    const spec = obj.spec as {
      strategy?: unknown;
      template: { spec: { containers: Array<Record<string, unknown>> } };
    };
    spec.strategy = { type: 'RollingUpdate' };
    const container = spec.template.spec.containers[0]!;
    container.imagePullPolicy = 'Always';
    (container.ports as Array<Record<string, unknown>>)[0]!.protocol = 'TCP';
    obj.status = { replicas: 1 };
    return obj;
  };

  it('sees that re-applying the same object changes nothing', () => {
    assert.equal(isUnchangedByApply(desired, live(), 'weft'), true);
  });
  it('sees a changed value, an added field, a removed field, another manager', () => {
    const changed = structuredClone(desired);
    (changed.spec as { replicas: number }).replicas = 2;
    assert.equal(isUnchangedByApply(changed, live(), 'weft'), false);
    const added = structuredClone(desired);
    added.metadata.labels = { a: 'b', c: 'd' };
    assert.equal(isUnchangedByApply(added, live(), 'weft'), false);
    const removed = structuredClone(desired);
    removed.metadata.labels = {};
    delete removed.metadata.labels;
    assert.equal(isUnchangedByApply(removed, live(), 'weft'), false);
    assert.equal(isUnchangedByApply(desired, live(), 'other'), false);
  });
  it('sees drift made by someone else on a field we own', () => {
    const drifted = live();
    (drifted.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec
      .containers[0]!.image = 'evil';
    assert.equal(isUnchangedByApply(desired, drifted, 'weft'), false);
  });
  it('compares dry-run results ignoring bookkeeping', () => {
    const a = live();
    const b = live();
    b.metadata.resourceVersion = '8';
    b.metadata.managedFields = [];
    assert.equal(sameObject(a, b), true);
    (b.spec as { replicas: number }).replicas = 3;
    assert.equal(sameObject(a, b), false);
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return n * 10;
    });
    assert.deepEqual(out, [10, 20, 30, 40, 50, 60]);
    assert.equal(peak, 2);
  });
});
