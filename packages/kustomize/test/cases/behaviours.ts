// The four behaviours issue 17 found different from the binary, each as a scenario.
import { obj, type Scenario } from './case.ts';

const statefulSet = obj(
  'apps/v1',
  'StatefulSet',
  'db',
  `spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - {name: c, image: postgres}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce]}
  - metadata:
      name: logs
      labels: {kept: "1"}
    spec: {}
  - spec: {}
`,
);

export const behaviourScenarios: Scenario[] = [
  {
    name: 'non-string annotation values come out as the text they were written with',
    mustBuild: true,
    files: {
      'kustomization.yaml': 'resources:\n- d.yaml\n- list.yaml\ncommonAnnotations:\n  team: a\n',
      'd.yaml': obj(
        'apps/v1',
        'Deployment',
        'd',
        `  labels:
    port: 8080
    happy: true
  annotations:
    port: 8080
    happy: true
    ratio: 1.50
    hex: 0x1F
    octal: 0777
    nothing: null
    tilde: ~
    empty:
    list: [1, 2]
    map: {a: 1}
    negative: -5
spec:
  template:
    metadata:
      annotations: {port: 8080}
      labels: {port: 8080}
`,
      ),
      'list.yaml': `apiVersion: v1
kind: ConfigMapList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: from-list
    annotations:
      a: 1
      b: &x 2.0
      c: *x
`,
    },
  },
  {
    name: 'annotation values added by patches come out as strings',
    mustBuild: true,
    files: {
      'kustomization.yaml': `resources:
- cm.yaml
patches:
- patch: |
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: cm
      annotations:
        fromSmp: 5
        flag: true
- target: {kind: ConfigMap}
  patch: |
    - op: add
      path: /metadata/annotations/fromJson
      value: 7
`,
      'cm.yaml': obj('v1', 'ConfigMap', 'cm', '  annotations:\n    a: 1\ndata: {k: v}\n'),
    },
  },
  {
    name: 'labels with includeVolumeClaimTemplates, alone, with includeTemplates and with includeSelectors',
    mustBuild: true,
    files: {
      'kustomization.yaml': `resources:
- sts.yaml
- other.yaml
labels:
- pairs: {only-claims: "1"}
  includeVolumeClaimTemplates: true
- pairs: {with-templates: "1"}
  includeTemplates: true
  includeVolumeClaimTemplates: true
- pairs: {with-selectors: "1"}
  includeSelectors: true
  includeVolumeClaimTemplates: true
- pairs: {without: "1"}
  includeTemplates: true
`,
      'sts.yaml': statefulSet,
      // Not apps/v1: the claim templates of another group's StatefulSet are left alone.
      'other.yaml': obj(
        'example.com/v1',
        'StatefulSet',
        'other',
        'spec:\n  volumeClaimTemplates:\n  - metadata: {name: x}\n',
      ),
    },
  },
  {
    name: 'includeVolumeClaimTemplates in an overlay with a prefix',
    mustBuild: true,
    files: {
      'base/kustomization.yaml': 'resources:\n- sts.yaml\n',
      'base/sts.yaml': statefulSet,
      'overlay/kustomization.yaml':
        'resources:\n- ../base\nnamePrefix: p-\nlabels:\n- pairs: {env: prod}\n  includeVolumeClaimTemplates: true\n  fields:\n  - {kind: StatefulSet, path: spec/template/metadata/annotations, create: true}\n',
    },
    build: 'overlay',
  },
  {
    name: 'local-config objects are name-reference sources, then dropped',
    mustBuild: true,
    files: {
      'kustomization.yaml': `namePrefix: p-
resources:
- r.yaml
configMapGenerator:
- name: gen
  literals: [a=b]
  options:
    annotations:
      config.kubernetes.io/local-config: "true"
`,
      'r.yaml': [
        obj(
          'v1',
          'ConfigMap',
          'local',
          '  annotations:\n    config.kubernetes.io/local-config: "true"\ndata: {a: b}\n',
        ),
        obj('v1', 'Secret', 'sec', '  annotations:\n    config.kubernetes.io/local-config: true\n'),
        obj(
          'apps/v1',
          'Deployment',
          'd',
          `spec:
  template:
    spec:
      containers:
      - name: c
        image: x
        envFrom:
        - configMapRef: {name: local}
        - configMapRef: {name: gen}
        - secretRef: {name: sec}
`,
        ),
      ].join('---\n'),
    },
  },
  {
    name: 'local-config objects of a base feed references and replacements in overlays',
    mustBuild: true,
    files: {
      'base/kustomization.yaml': `resources:
- r.yaml
configMapGenerator:
- name: localgen
  literals: [k=v]
  options:
    annotations: {config.kubernetes.io/local-config: "true"}
replacements:
- source: {kind: ConfigMap, name: values, fieldPath: data.image}
  targets:
  - select: {kind: Pod}
    fieldPaths: [spec.containers.0.image]
`,
      'base/r.yaml': [
        obj(
          'v1',
          'ConfigMap',
          'values',
          '  annotations: {config.kubernetes.io/local-config: "true"}\ndata: {image: nginx}\n',
        ),
        obj('v1', 'ServiceAccount', 'sa', '  annotations: {config.kubernetes.io/local-config: "true"}\n'),
        obj(
          'rbac.authorization.k8s.io/v1',
          'Role',
          'role',
          '  annotations: {config.kubernetes.io/local-config: "true"}\n',
        ),
      ].join('---\n'),
      'mid/kustomization.yaml': 'resources:\n- ../base\n- rb.yaml\nnamePrefix: mid-\nnamespace: team\n',
      'mid/rb.yaml': [
        obj(
          'rbac.authorization.k8s.io/v1',
          'RoleBinding',
          'rb',
          'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: role}\nsubjects:\n- {kind: ServiceAccount, name: sa}\n',
        ),
        obj(
          'v1',
          'Pod',
          'p',
          'spec:\n  serviceAccountName: sa\n  volumes:\n  - name: v\n    configMap: {name: localgen}\n  containers: [{name: c, image: i}]\n',
        ),
      ].join('---\n'),
      'top/kustomization.yaml': `resources:
- ../mid
nameSuffix: -top
replacements:
- source: {kind: ConfigMap, name: values, fieldPath: data.image}
  targets:
  - select: {kind: Pod}
    fieldPaths: [metadata.annotations.image]
    options: {create: true}
`,
    },
    build: 'top',
  },
  {
    name: 'a local-config Pod feeds a ReplacementTransformer given in transformers',
    mustBuild: true,
    files: {
      'kustomization.yaml': 'resources:\n- pod.yaml\n- deployment.yaml\ntransformers:\n- replacement.yaml\n',
      'pod.yaml': obj(
        'v1',
        'Pod',
        'buildup',
        '  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  containers:\n  - {name: app, image: nginx}\n',
      ),
      'deployment.yaml': obj('apps/v1', 'Deployment', 'buildup'),
      'replacement.yaml': `apiVersion: builtin
kind: ReplacementTransformer
metadata:
  name: buildup
replacements:
- source: {kind: Pod, fieldPath: spec}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.template.spec]
    options: {create: true}
`,
    },
  },
];
