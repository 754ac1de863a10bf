// Behaviours the krusty scenarios (test/krusty/) showed we built differently from kustomize
// v5.8.2, each pinned here without the binary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { build } from '../index.ts';
import { treeMaker } from './tree.fixture.ts';

const tree = treeMaker('weft-kustomize-krusty-');
type Obj = {
  kind: string;
  apiVersion: string;
  metadata: { name: string; annotations?: Record<string, string> };
};

describe('differences found by the krusty scenarios', () => {
  it('a targeted strategic merge patch keeps each target its own apiVersion (TestExtendedPatchNameSelector)', () => {
    const dir = tree({
      'kustomization.yaml':
        'resources: [all.yaml]\npatches:\n- target: {name: web}\n  patch: |\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n      annotations: {patched: "yes"}\n',
      'all.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n',
    });
    const objects = build(dir, { reorder: 'none' }) as Obj[];
    assert.deepEqual(
      objects.map((o) => [o.apiVersion, o.kind, o.metadata.annotations?.patched]),
      [
        ['apps/v1', 'Deployment', 'yes'],
        ['v1', 'Service', 'yes'],
      ],
    );
  });

  it('crds: an object-ref extension makes a custom resource field a name reference (TestCrdBase)', () => {
    const dir = tree({
      'kustomization.yaml': 'crds: [crd.json]\nresources: [all.yaml]\nnamePrefix: x-\n',
      'crd.json': JSON.stringify({
        'example.com/v1.Bee': {
          Schema: {
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { $ref: 'meta.ObjectMeta' },
              spec: { $ref: 'example.com/v1.BeeSpec' },
            },
          },
          Dependencies: [],
        },
        'example.com/v1.BeeSpec': {
          Schema: {
            properties: {
              secretRef: {
                $ref: 'example.com/v1.Ref',
                'x-kubernetes-object-ref-api-version': 'v1',
                'x-kubernetes-object-ref-kind': 'Secret',
              },
              other: {
                'x-kubernetes-object-ref-api-version': 'v1',
                'x-kubernetes-object-ref-kind': 'Secret',
              },
            },
          },
          Dependencies: [],
        },
      }),
      'all.yaml':
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\napiVersion: v1\nkind: Bee\nmetadata:\n  name: b\nspec:\n  secretRef: {name: s}\n  other: {name: s}\n',
    });
    const bee = (build(dir) as (Obj & { spec: Record<string, { name: string }> })[]).find(
      (o) => o.kind === 'Bee',
    );
    assert.equal(bee?.spec.secretRef?.name, 'x-s');
    assert.equal(bee?.spec.other?.name, 'x-s');
  });

  it('buildMetadata transformerAnnotations records each transformer, base ones first (TestAnnoTransformerLocalFilesWithOverlay)', () => {
    const dir = tree({
      'base/kustomization.yaml': 'namePrefix: b-\nresources: [cm.yaml]\n',
      'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
      'prod/kustomization.yaml':
        'resources: [../base]\nnamePrefix: p-\ncommonLabels: {a: b}\nbuildMetadata: [transformerAnnotations]\n',
    });
    const [cm] = build(`${dir}/prod`) as Obj[];
    assert.equal(cm?.metadata.name, 'p-b-c');
    assert.equal(
      cm?.metadata.annotations?.['alpha.config.kubernetes.io/transformations'],
      [
        '- configuredIn: ../base/kustomization.yaml',
        '  configuredBy:',
        '    apiVersion: builtin',
        '    kind: PrefixTransformer',
        '- configuredIn: kustomization.yaml',
        '  configuredBy:',
        '    apiVersion: builtin',
        '    kind: PrefixTransformer',
        '- configuredIn: kustomization.yaml',
        '  configuredBy:',
        '    apiVersion: builtin',
        '    kind: LabelTransformer',
        '',
      ].join('\n'),
    );
    // Without originAnnotations the origin tracked for this stays out of the output.
    assert.equal(cm?.metadata.annotations?.['config.kubernetes.io/origin'], undefined);
  });
});
