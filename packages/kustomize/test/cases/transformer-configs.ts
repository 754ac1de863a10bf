// Builtin transformers configured by files (and inline) in an overlay, and `configurations`
// giving a custom kind field specs: each run by the binary and by weft-kustomize.
import { obj, type Scenario } from './case.ts';

export const transformerConfigScenarios: Scenario[] = [];

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
  transformerConfigScenarios.push({
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

transformerConfigScenarios.push(
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
