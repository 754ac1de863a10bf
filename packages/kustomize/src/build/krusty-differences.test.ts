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

  it('builds a Component directory given on its own, and checks a kustomization apiVersion (TestComponent)', () => {
    const dir = tree({
      'comp/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [cm.yaml]\nnamePrefix: c-\n',
      'comp/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      'bad/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Component\n',
    });
    assert.deepEqual(
      (build(`${dir}/comp`) as Obj[]).map((o) => o.metadata.name),
      ['c-x'],
    );
    assert.throws(
      () => build(`${dir}/bad`),
      /apiVersion for Component should be kustomize\.config\.k8s\.io\/v1alpha1/,
    );
  });

  it('loadRestrictions none reads a shared patch outside the kustomization, never outside root (TestSharedPatchAllowed)', () => {
    const dir = tree({
      'shared/patch.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {patched: "yes"}\n',
      'app/kustomization.yaml': 'resources: [cm.yaml]\npatches:\n- path: ../shared/patch.yaml\n',
      'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
    });
    assert.throws(() => build(`${dir}/app`), /not in or below the kustomization directory/);
    const [cm] = build(`${dir}/app`, { loadRestrictions: 'none' }) as (Obj & {
      data: Record<string, string>;
    })[];
    assert.equal(cm?.data.patched, 'yes');
    assert.throws(
      () => build(`${dir}/app`, { loadRestrictions: 'none', root: `${dir}/app` }),
      /outside the root/,
    );
  });

  it('a component document merged with the builtin schema once a custom kind was loaded (TestCustomOpenApiFieldFromComponentWithOverlays)', () => {
    const schema = JSON.stringify({
      definitions: {
        'example.v1.Thing': {
          'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Thing' }],
          properties: { spec: { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' } },
        },
      },
    });
    const files = (baseObjects: string) => ({
      'base/kustomization.yaml': 'resources: [all.yaml]\n',
      'base/all.yaml': baseObjects,
      'comp/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nopenapi:\n  path: schema.json\npatches:\n- patch: |\n    apiVersion: example.com/v1\n    kind: Thing\n    metadata: {name: t}\n    spec:\n      containers: [{name: b, image: b}]\n',
      'comp/schema.json': schema,
      'top/kustomization.yaml': 'resources: [../base]\ncomponents: [../comp]\n',
    });
    const thing =
      'apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t}\nspec:\n  containers: [{name: a, image: a}]\n';
    const containers = (dir: string) =>
      (build(`${dir}/top`) as (Obj & { spec?: { containers: { name: string }[] } })[])
        .find((o) => o.kind === 'Thing')
        ?.spec?.containers.map((c) => c.name);
    // The Thing was loaded before the component chose its document: PodSpec comes from the builtin schema.
    assert.deepEqual(containers(tree(files(thing))), ['b', 'a']);
  });

  it('replacements find a source by its original name and add to a created field with its delimiter (TestReplacementTransformerWithOriginalName)', () => {
    const dir = tree({
      'base/kustomization.yaml': 'resources: [all.yaml]\nnamePrefix: p1-\n',
      'base/all.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: source\ndata: {v: new}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: target\n',
      'kustomization.yaml':
        'resources: [base]\nnamePrefix: p2-\nreplacements:\n- source: {name: source, fieldPath: data.v}\n  targets:\n  - select: {name: p1-target}\n    fieldPaths: [data.v]\n    options: {create: true}\n  - select: {name: p1-target}\n    fieldPaths: [metadata.annotations.list]\n    options: {create: true, delimiter: ",", index: -1}\n',
    });
    const target = (build(dir) as (Obj & { data?: Record<string, string> })[]).find(
      (o) => o.metadata.name === 'p2-p1-target',
    );
    assert.equal(target?.data?.v, 'new');
    assert.equal(target?.metadata.annotations?.list, 'new,');
  });

  it('refuses what kustomize refuses: empty patchesStrategicMerge, a blank subject namespace, bad sortOptions, bad openapi', () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n';
    const cases: [Record<string, string>, RegExp][] = [
      [
        {
          'kustomization.yaml': 'resources: [cm.yaml]\npatchesStrategicMerge: [e.yaml]\n',
          'cm.yaml': cm,
          'e.yaml': '# nothing\n',
        },
        /patchesStrategicMerge holds no patch: e\.yaml is empty/,
      ],
      [
        {
          'kustomization.yaml': 'resources: [rb.yaml]\n',
          'rb.yaml':
            'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nroleRef: {kind: Role, name: r, apiGroup: rbac.authorization.k8s.io}\nsubjects:\n- kind: ServiceAccount\n  name: sa\n  namespace:\n',
        },
        /subject ServiceAccount 'sa' has a blank namespace/,
      ],
      [
        {
          'kustomization.yaml':
            'resources: [cm.yaml]\nsortOptions:\n  legacySortOptions: {orderFirst: [ConfigMap]}\n',
          'cm.yaml': cm,
        },
        /sortOptions\.order is missing/,
      ],
      [
        {
          'kustomization.yaml':
            'resources: [cm.yaml]\nsortOptions:\n  order: fifo\n  legacySortOptions: {}\n',
          'cm.yaml': cm,
        },
        /legacySortOptions is set but sortOptions\.order is 'fifo'/,
      ],
      [
        { 'kustomization.yaml': 'resources: [cm.yaml]\nopenapi: {version: v1.14.1}\n', 'cm.yaml': cm },
        /openapi\.version 'v1\.14\.1' is not built in/,
      ],
      [
        {
          'kustomization.yaml': 'resources: [cm.yaml]\nopenapi: {version: v1.21.2, path: s.json}\n',
          'cm.yaml': cm,
          's.json': '{"definitions": {}}',
        },
        /both a path and a version/,
      ],
    ];
    for (const [files, error] of cases) assert.throws(() => build(tree(files)), error);
  });

  it('IAMPolicyGenerator makes the GKE ServiceAccount (TestGkeGenerator)', () => {
    const dir = tree({
      'kustomization.yaml':
        'generators:\n- |-\n  apiVersion: builtin\n  kind: IAMPolicyGenerator\n  metadata: {name: g}\n  cloud: gke\n  kubernetesService: {namespace: ns, name: ksa}\n  serviceAccount: {name: gsa, projectId: proj}\n',
    });
    assert.deepEqual(build(dir), [
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          annotations: { 'iam.gke.io/gcp-service-account': 'gsa@proj.iam.gserviceaccount.com' },
          name: 'ksa',
          namespace: 'ns',
        },
      },
    ]);
  });

  it('labels every object managed-by kustomize-v5.8.2 by option or buildMetadata (TestAddManagedbyLabel)', () => {
    const files = (meta: string) => ({
      'kustomization.yaml': `resources: [cm.yaml]\n${meta}`,
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b}\n',
    });
    const labels = (objects: unknown[]) =>
      (objects as { metadata: { labels?: Record<string, string> } }[])[0]?.metadata.labels;
    const expected = { a: 'b', 'app.kubernetes.io/managed-by': 'kustomize-v5.8.2' };
    assert.deepEqual(labels(build(tree(files('')), { addManagedByLabel: true })), expected);
    assert.deepEqual(labels(build(tree(files('buildMetadata: [managedByLabel]\n')))), expected);
    assert.deepEqual(labels(build(tree(files('')))), { a: 'b' });
  });
});
