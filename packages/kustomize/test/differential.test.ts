import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { writeAppTree, writeBase, writeOverlay } from './fixtures/app-tree.ts';
import { seededRandom } from './fixtures/random.ts';
import { compareWithBinary, ours, referenceMissing } from './fixtures/reference.ts';

const work = mkdtempSync(path.join(tmpdir(), 'weft-kustomize-diff-'));
after(() => rmSync(work, { recursive: true, force: true }));

const compare = async (dir: string, mustBuild = false): Promise<void> => compareWithBinary(dir, mustBuild);

describe('differential against the reference kustomize', { skip: referenceMissing() }, () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`random overlay, seed ${seed}`, async () => {
      const dir = path.join(work, `seed-${seed}`);
      const rand = seededRandom(seed);
      writeBase(path.join(dir, 'base'), 'web');
      writeOverlay(path.join(dir, 'overlay'), '../base', 'web', { rand, name: 'staging' });
      await compare(path.join(dir, 'overlay'));
    });
  }

  it('a tree of apps with two overlays each, built together', async () => {
    const dir = path.join(work, 'tree');
    writeAppTree(dir, 6, seededRandom(99));
    await compare(dir, true);
  });

  const fixture = (name: string, files: Record<string, string | Buffer>): string => {
    const dir = path.join(work, name);
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    return dir;
  };

  it('RBAC, cross-namespace references and pull secrets', async () => {
    const dir = fixture('rbac', {
      'base/kustomization.yaml':
        'resources:\n- all.yaml\nsecretGenerator:\n- name: pull\n  type: kubernetes.io/dockerconfigjson\n  literals:\n  - .dockerconfigjson={}\n- name: tls\n  literals:\n  - tls.crt=x\n',
      'base/all.yaml': [
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n',
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: reader\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: reader\nsubjects:\n- kind: ServiceAccount\n  name: runner\n  namespace: old\n- kind: ServiceAccount\n  name: default\n- kind: User\n  name: runner\n',
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n',
        'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: job\nspec:\n  schedule: "0 * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          serviceAccountName: runner\n          imagePullSecrets:\n          - name: pull\n          containers:\n          - name: c\n            image: busybox\n            volumeMounts:\n            - {name: d, mountPath: /d}\n          volumes:\n          - name: d\n            persistentVolumeClaim:\n              claimName: data\n',
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  tls:\n  - secretName: tls\n  rules: []\n',
      ].join('---\n'),
      'overlay/kustomization.yaml':
        'resources:\n- ../base\nnamespace: team\nnamePrefix: t-\nnameSuffix: -one\ncommonLabels:\n  team: x\nimages:\n- name: busybox\n  newTag: "1.36"\n',
    });
    await compare(path.join(dir, 'overlay'), true);
  });

  it('custom resources with embedded pods, local config and generator layers', async () => {
    const dir = fixture('crs', {
      'base/kustomization.yaml':
        'resources:\n- cr.yaml\nconfigMapGenerator:\n- name: cfg\n  envs: [a.env]\n  files: [bin.dat, conf=c.txt]\ngeneratorOptions:\n  immutable: true\n  annotations:\n    from: base\n',
      'base/a.env': '# comment\nA=1\n  B=two words\nC="quoted"\n',
      'base/bin.dat': Buffer.from([0, 1, 2, 255, 254]),
      'base/c.txt': 'line1\nline2\n',
      'base/cr.yaml': [
        'apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: wf\nspec:\n  templates:\n  - name: main\n    containers:\n    - name: c\n      image: alpine:3.19\n      envFrom:\n      - configMapRef:\n          name: cfg\n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n  annotations:\n    config.kubernetes.io/local-config: "true"\ndata:\n  x: "0777"\n',
      ].join('---\n'),
      'mid/kustomization.yaml':
        'resources:\n- ../base\nnamePrefix: mid-\nconfigMapGenerator:\n- name: cfg\n  behavior: merge\n  literals:\n  - D=4\n',
      'top/kustomization.yaml':
        'resources:\n- ../mid\nnameSuffix: -top\nimages:\n- name: alpine\n  newName: mirror/alpine\nconfigMapGenerator:\n- name: cfg\n  behavior: replace\n  literals:\n  - ONLY=1\n',
    });
    await compare(path.join(dir, 'top'), true);
  });

  it('components, configurations, vars and sortOptions', async () => {
    const dir = path.join(work, 'components');
    writeBase(path.join(dir, 'base'), 'api');
    mkdirSync(path.join(dir, 'comp'), { recursive: true });
    writeFileSync(
      path.join(dir, 'comp', 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  component: "yes"\nconfigMapGenerator:\n- name: api-config\n  behavior: merge\n  literals:\n  - FROM_COMPONENT=1\n',
    );
    mkdirSync(path.join(dir, 'overlay'), { recursive: true });
    writeFileSync(
      path.join(dir, 'overlay', 'kustomization.yaml'),
      'resources:\n- ../base\ncomponents:\n- ../comp\nnamePrefix: c-\nsortOptions:\n  order: fifo\nvars:\n- name: SVC\n  objref:\n    apiVersion: v1\n    kind: Service\n    name: api\n',
    );
    await compare(path.join(dir, 'overlay'), true);
  });
  // A custom resource whose lists carry merge rules only in a schema kustomize is given.
  const widgetSchema = JSON.stringify({
    definitions: {
      'com.example.v1.Widget': {
        type: 'object',
        'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          spec: { $ref: '#/definitions/com.example.v1.WidgetSpec' },
        },
      },
      'com.example.v1.WidgetSpec': {
        type: 'object',
        properties: {
          tags: {
            type: 'array',
            'x-kubernetes-patch-strategy': 'merge',
            'x-kubernetes-patch-merge-key': 'key',
            items: { $ref: '#/definitions/com.example.v1.Tag' },
          },
          ports: {
            type: 'array',
            'x-kubernetes-patch-strategy': 'merge',
            'x-kubernetes-patch-merge-key': 'port',
            'x-kubernetes-list-map-keys': ['port', 'protocol'],
            items: { type: 'object', properties: { port: { type: 'integer' } } },
          },
          parts: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: { type: 'object', properties: { name: { type: 'string' } } },
          },
          inline: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                'x-kubernetes-patch-strategy': 'merge',
                'x-kubernetes-patch-merge-key': 'id',
                items: { type: 'object' },
              },
            },
          },
          finalizers: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', items: { type: 'string' } },
        },
      },
      'com.example.v1.Tag': { type: 'object', properties: { key: { type: 'string' } } },
    },
  });
  const widget =
    'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  tags:\n  - {key: x, value: "1"}\n  - {key: y, value: "2"}\n  ports:\n  - {port: 80, protocol: TCP, name: http}\n  - {port: 80, protocol: UDP, name: dns}\n  parts:\n  - {name: a, size: 1}\n  - {name: b, size: 2}\n  inline:\n    items:\n    - {id: one, v: 1}\n  finalizers: [f1, f2]\n  plain:\n  - {name: a}\n';
  const widgetPatch =
    'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  tags:\n  - {key: y, value: "9"}\n  - {key: z, value: "3"}\n  ports:\n  - {port: 80, protocol: UDP, name: domain}\n  parts:\n  - {name: b, size: 3}\n  inline:\n    items:\n    - {id: two, v: 2}\n  finalizers: [f3, f1]\n  plain:\n  - {name: z}\n';
  const deploymentPatch =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - {name: b, image: b2}\n';
  const deployment =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: a}\n      - {name: b, image: b}\n';

  it('a custom resource without schema information has its lists replaced', async () => {
    const dir = fixture('cr-no-schema', {
      'kustomization.yaml': 'resources:\n- cr.yaml\npatches:\n- path: patch.yaml\n',
      'cr.yaml': widget,
      'patch.yaml': widgetPatch,
    });
    await compare(dir, true);
    const out = ours(dir) as { ok: true; objects: { spec: { tags: unknown[] } }[] };
    assert.equal(out.objects[0]?.spec.tags.length, 2);
  });

  it('openapi: a custom document gives a custom resource its merge keys', async () => {
    const dir = fixture('cr-openapi', {
      'kustomization.yaml':
        'resources:\n- cr.yaml\n- deployment.yaml\nopenapi:\n  path: schema.json\npatches:\n- path: patch.yaml\n- path: deployment-patch.yaml\n',
      'schema.json': widgetSchema,
      'cr.yaml': widget,
      'patch.yaml': widgetPatch,
      // The custom document replaces the builtin one: containers are no longer merged by name.
      'deployment.yaml': deployment,
      'deployment-patch.yaml': deploymentPatch,
    });
    await compare(dir, true);
    const out = ours(dir) as { ok: true; objects: { kind: string; spec: { tags?: unknown[] } }[] };
    assert.equal(out.objects.find((o) => o.kind === 'Widget')?.spec.tags?.length, 3);
  });

  it('openapi: a base document (YAML) applies to the overlay, the overlay document wins over it', async () => {
    const asYaml = stringify(JSON.parse(widgetSchema));
    const dir = fixture('cr-openapi-layers', {
      'base/kustomization.yaml': 'resources:\n- cr.yaml\nopenapi:\n  path: schema.yaml\n',
      'base/schema.yaml': asYaml,
      'base/cr.yaml': widget,
      'overlay/kustomization.yaml': 'resources:\n- ../base\npatches:\n- path: patch.yaml\n',
      'overlay/patch.yaml': widgetPatch,
      'empty/kustomization.yaml':
        'resources:\n- ../base\nopenapi:\n  path: none.json\npatches:\n- path: patch.yaml\n',
      'empty/none.json': '{"definitions": {}}',
      'empty/patch.yaml': widgetPatch,
    });
    await compare(path.join(dir, 'overlay'), true);
    await compare(path.join(dir, 'empty'), true);
  });

  it('crds: legacy CRD schema files do not change how custom resources merge', async () => {
    const dir = fixture('cr-crds', {
      'kustomization.yaml': 'resources:\n- cr.yaml\ncrds:\n- widget.json\npatches:\n- path: patch.yaml\n',
      'widget.json': JSON.stringify({
        'github.com/example/pkg/apis/example/v1.Widget': {
          Schema: {
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              spec: { $ref: 'github.com/example/pkg/apis/example/v1.WidgetSpec' },
            },
          },
          Dependencies: ['github.com/example/pkg/apis/example/v1.WidgetSpec'],
        },
        'github.com/example/pkg/apis/example/v1.WidgetSpec': {
          Schema: {
            properties: {
              tags: {
                type: 'array',
                'x-kubernetes-patch-strategy': 'merge',
                'x-kubernetes-patch-merge-key': 'key',
                items: { type: 'object' },
              },
            },
          },
          Dependencies: [],
        },
      }),
      'cr.yaml': widget,
      'patch.yaml': widgetPatch,
    });
    await compare(dir, true);
  });

  // kubectl's apply directives: kustomize's merge keeps them as ordinary fields.
  const directivePatches: Record<string, string> = {
    setElementOrder:
      'spec:\n  template:\n    spec:\n      $setElementOrder/containers:\n      - name: c\n      - name: a\n      containers:\n      - name: a\n        image: a2\n',
    retainKeys: 'spec:\n  strategy:\n    $retainKeys: [type]\n    type: Recreate\n',
    retainKeysNew:
      'spec:\n  template:\n    spec:\n      securityContext:\n        $retainKeys: [runAsUser]\n        runAsUser: 1\n',
    deleteFromPrimitiveList:
      'spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        $deleteFromPrimitiveList/args: [y]\n      - name: n\n        $deleteFromPrimitiveList/args: [q]\n',
    patchMergeOnMap: 'spec:\n  strategy:\n    $patch: merge\n    type: Recreate\n',
    patchReplaceOnMap: 'spec:\n  strategy:\n    $patch: replace\n    type: Recreate\n',
    patchDeleteOnMap: 'spec:\n  strategy:\n    $patch: delete\n',
    patchReplaceOnNewMap:
      'spec:\n  template:\n    spec:\n      nodeSelector:\n        $patch: replace\n        disk: ssd\n',
    patchDeleteOnNewMap: 'spec:\n  template:\n    spec:\n      nodeSelector:\n        $patch: delete\n',
    patchReplaceOnList:
      'spec:\n  template:\n    spec:\n      containers:\n      - $patch: replace\n      - name: z\n        image: z\n',
    patchDeleteOnList: 'spec:\n  template:\n    spec:\n      volumes:\n      - $patch: delete\n',
    patchMergeOnList:
      'spec:\n  template:\n    spec:\n      containers:\n      - $patch: merge\n      - name: c\n        image: c2\n',
    patchDeleteItem:
      'spec:\n  template:\n    spec:\n      containers:\n      - name: b\n        $patch: delete\n      - name: nope\n        $patch: delete\n',
    patchReplaceItem:
      'spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        $patch: replace\n        image: a3\n',
    patchMergeItem:
      'spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        $patch: merge\n        image: a4\n',
    patchReplaceInNewListItem:
      'spec:\n  template:\n    spec:\n      containers:\n      - name: new\n        image: n\n        resources:\n          $patch: replace\n          limits: {cpu: "1"}\n',
    patchOnScalarListOfUnknownField:
      'spec:\n  template:\n    spec:\n      extra:\n      - $patch: delete\n      - x\n',
    directivesInReplacedList:
      'spec:\n  template:\n    spec:\n      extra:\n      - {name: x, $patch: delete}\n      - {name: y, $patch: replace, a: 1}\n',
    directivesInNewMap:
      'spec:\n  template:\n    spec:\n      newmap:\n        bar: [{$patch: delete}, x]\n        baz: {$patch: replace, q: 1}\n',
    directivesInNewListItem:
      'spec:\n  template:\n    spec:\n      containers:\n      - name: new\n        image: n\n        args: [{$patch: delete}, x]\n        env: [{$patch: replace}, {name: A, value: "1"}, {name: B, $patch: delete}]\n',
    directiveOnAbsentKeyedList:
      'spec:\n  template:\n    spec:\n      initContainers: [{name: i}, {$patch: replace}]\n',
    deleteItemOfAbsentKeyedList:
      'spec:\n  template:\n    spec:\n      initContainers: [{name: i}, {name: w, $patch: delete}, {name: r, $patch: replace, image: r}]\n',
  };
  for (const [name, body] of Object.entries(directivePatches)) {
    it(`strategic merge directive: ${name}`, async () => {
      const dir = fixture(`directive-${name}`, {
        'kustomization.yaml': 'resources:\n- deployment.yaml\npatches:\n- path: patch.yaml\n',
        'deployment.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 1}\n  template:\n    spec:\n      containers:\n      - {name: a, image: a, args: [x, y, z]}\n      - {name: b, image: b}\n      - {name: c, image: c, resources: {requests: {cpu: "1"}}}\n      volumes:\n      - {name: v, emptyDir: {}}\n',
        'patch.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n${body}`,
      });
      await compare(dir);
    });
  }
});
