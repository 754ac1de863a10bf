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

const app = [
  obj(
    'apps/v1',
    'Deployment',
    'web',
    `spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        envFrom:
        - configMapRef: {name: cfg}
`,
  ),
  obj('v1', 'Service', 'web', 'spec:\n  selector: {app: web}\n  ports: [{port: 80}]\n'),
  obj('v1', 'ConfigMap', 'cfg', 'data: {k: v}\n'),
  obj(
    'example.com/v1',
    'Widget',
    'w',
    'spec:\n  image: nginx:1.25\n  size: 1\n  meta:\n    labels: {}\n  target: web\n',
  ),
].join('---\n');

/** Builtin transformers configured by files in an overlay, each with field specs of its own. */
const transformerFiles: Record<string, string> = {
  'prefix.yaml': `apiVersion: builtin
kind: PrefixSuffixTransformer
metadata:
  name: prefixer
prefix: zzz-
suffix: -x
fieldSpecs:
- kind: Deployment
  path: metadata/name
- kind: Widget
  path: spec/target
`,
  'labels.yaml': `apiVersion: builtin
kind: LabelTransformer
metadata:
  name: labeller
labels:
  team: blue
fieldSpecs:
- path: metadata/labels
  create: true
- kind: Widget
  path: spec/meta/labels
  create: true
- kind: Deployment
  path: spec/template/metadata/labels
  create: false
`,
  'annotations.yaml': `apiVersion: builtin
kind: AnnotationsTransformer
metadata:
  name: annotator
annotations:
  owner: ops
fieldSpecs:
- kind: Service
  path: metadata/annotations
  create: true
- kind: Deployment
  path: spec/template/metadata/annotations
  create: true
`,
  'namespace.yaml': `apiVersion: builtin
kind: NamespaceTransformer
metadata:
  name: ns
  namespace: tenant
fieldSpecs:
- path: metadata/namespace
  create: true
- kind: Widget
  path: spec/ns
  create: true
`,
  'images.yaml': `apiVersion: builtin
kind: ImageTagTransformer
metadata:
  name: images
imageTag:
  name: nginx
  newTag: "1.27"
fieldSpecs:
- kind: Widget
  path: spec/image
`,
  'replicas.yaml': `apiVersion: builtin
kind: ReplicaCountTransformer
metadata:
  name: replicas
replica:
  name: w
  count: 3
fieldSpecs:
- kind: Widget
  path: spec/size
  create: true
`,
};

for (const [file, config] of Object.entries(transformerFiles)) {
  behaviourScenarios.push({
    name: `transformers: ${file} in an overlay, with its own field specs`,
    mustBuild: true,
    files: {
      'base/kustomization.yaml': 'resources:\n- app.yaml\n',
      'base/app.yaml': app,
      'overlay/kustomization.yaml': `resources:\n- ../base\ntransformers:\n- ${file}\n`,
      [`overlay/${file}`]: config,
    },
    build: 'overlay',
  });
}

behaviourScenarios.push(
  {
    name: 'transformers: several config files in one overlay, on top of a base with its own',
    mustBuild: true,
    files: {
      'base/kustomization.yaml': 'resources:\n- app.yaml\ntransformers:\n- labels.yaml\n',
      'base/app.yaml': app,
      'base/labels.yaml': transformerFiles['labels.yaml'] as string,
      'overlay/kustomization.yaml': `resources:\n- ../base\nnamePrefix: o-\ntransformers:\n- prefix.yaml\n- annotations.yaml\n- images.yaml\n`,
      'overlay/prefix.yaml': transformerFiles['prefix.yaml'] as string,
      'overlay/annotations.yaml': transformerFiles['annotations.yaml'] as string,
      'overlay/images.yaml': transformerFiles['images.yaml'] as string,
    },
    build: 'overlay',
  },
  {
    name: 'transformers: one file holding several configs, and a directory of configs',
    mustBuild: true,
    files: {
      'base/kustomization.yaml': 'resources:\n- app.yaml\n',
      'base/app.yaml': app,
      'overlay/kustomization.yaml': 'resources:\n- ../base\ntransformers:\n- all.yaml\n- configs\n',
      'overlay/all.yaml': [transformerFiles['labels.yaml'], transformerFiles['replicas.yaml']].join('---\n'),
      'overlay/configs/kustomization.yaml': 'resources:\n- namespace.yaml\n- annotations.yaml\n',
      'overlay/configs/namespace.yaml': transformerFiles['namespace.yaml'] as string,
      'overlay/configs/annotations.yaml': transformerFiles['annotations.yaml'] as string,
    },
    build: 'overlay',
  },
  {
    name: 'transformers: inline configs in the kustomization',
    mustBuild: true,
    files: {
      'kustomization.yaml': `resources:\n- app.yaml\ntransformers:\n- |-\n${(transformerFiles['prefix.yaml'] as string).replace(/^/gm, '  ')}\n- |-\n${(transformerFiles['labels.yaml'] as string).replace(/^/gm, '  ')}\n`,
      'app.yaml': app,
    },
  },
  {
    name: 'configurations: custom field specs for name references and labels of a custom kind',
    mustBuild: true,
    files: {
      'base/kustomization.yaml': 'resources:\n- app.yaml\n',
      'base/app.yaml': app,
      'overlay/kustomization.yaml':
        'resources:\n- ../base\nnamePrefix: o-\ncommonLabels: {env: prod}\nimages:\n- {name: nginx, newTag: "2"}\nconfigurations:\n- config.yaml\n',
      'overlay/config.yaml': `nameReference:
- kind: Deployment
  fieldSpecs:
  - kind: Widget
    path: spec/target
commonLabels:
- kind: Widget
  path: spec/meta/labels
  create: true
images:
- kind: Widget
  path: spec/image
`,
    },
    build: 'overlay',
  },
);
