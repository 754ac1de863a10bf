// Scenarios of api/krusty/customconfig_test.go and customconfigofbuiltinplugin_test.go.
import { obj, type Scenario } from './case.ts';

const animalBase = (custom: string): Record<string, string> => ({
  'base/kustomization.yaml': `namePrefix: x-
commonLabels:
  app: myApp
vars:
- name: APRIL_DIET
  objref: {group: foo, version: v1, kind: Giraffe, name: april}
  fieldref: {fieldpath: spec.diet}
- name: KOKO_DIET
  objref: {group: foo, version: v1, kind: Gorilla, name: koko}
  fieldref: {fieldpath: spec.diet}
resources:
- animalPark.yaml
- giraffes.yaml
- gorilla.yaml
configurations:
- config/custom.yaml
`,
  'base/giraffes.yaml': [
    obj('foo/v1', 'Giraffe', 'april', 'spec:\n  diet: mimosa\n  location: NE\n'),
    obj('foo/v1', 'Giraffe', 'may', 'spec:\n  diet: acacia\n  location: SE\n'),
  ].join('---\n'),
  'base/gorilla.yaml': obj('foo/v1', 'Gorilla', 'koko', 'spec:\n  diet: bambooshoots\n  location: SW\n'),
  'base/animalPark.yaml': obj(
    'foo/v1',
    'AnimalPark',
    'sandiego',
    'spec:\n  gorillaRef:\n    name: koko\n  giraffeRef:\n    name: april\n  food:\n  - "$(APRIL_DIET)"\n  - "$(KOKO_DIET)"\n',
  ),
  'base/config/custom.yaml': custom,
});

const animalRefs = `nameReference:
- kind: Gorilla
  fieldSpecs:
  - kind: AnimalPark
    path: spec/gorillaRef/name
- kind: Giraffe
  fieldSpecs:
  - kind: AnimalPark
    path: spec/giraffeRef/name
varReference:
- path: spec/food
  kind: AnimalPark
`;

const sampleDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels:
    app: sample-deploy
  name: sample-deploy
spec:
  replicas: 1
  selector:
    matchLabels:
      app: sample-deploy

  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: sample-deploy
    spec:
      containers:
      - image: hello-world:latest
        name: hello-world
`;
const sampleResource = `apiVersion: custom.example.org/v1
kind: SampleResource
metadata:
  name: sample-resource
  namespace: sample-namespace
spec:
  template:
    spec:
      containers:
      - image: index.docker.io/library/hello-world
        env:
        - name: VARIABLE
          value: value
`;
const labelsKustomization = (
  selectors: boolean,
  templates: boolean,
  config: boolean,
  resource: string,
): string =>
  `${config ? 'configurations:\n  - config/configurations.yaml\n\n' : ''}labels:
  - includeSelectors: ${selectors}
    includeTemplates: ${templates}
    pairs:
      location: planet-earth
      environment: dev

resources:
  - resources/${resource}
`;

export const customConfigScenarios: Scenario[] = [
  { name: 'customconfig: TestCustomConfig', mustBuild: true, files: animalBase(animalRefs), build: 'base' },
  {
    name: 'customconfig: TestCustomConfigWithDefaultOverspecification',
    mustBuild: true,
    files: animalBase(`namePrefix:\n- path: metadata/name\n${animalRefs}`),
    build: 'base',
  },
  {
    name: 'customconfig: TestFixedBug605_BaseCustomizationAvailableInOverlay',
    mustBuild: true,
    files: {
      ...animalBase(`nameReference:
- kind: Gorilla
  fieldSpecs:
  - {group: foo, version: v1, kind: AnimalPark, path: spec/gorillaRef/name}
- kind: Giraffe
  fieldSpecs:
  - {group: foo, version: v1, kind: AnimalPark, path: spec/giraffeRef/name}
varReference:
- {path: spec/food, group: foo, version: v1, kind: AnimalPark}
`),
      'overlay/kustomization.yaml':
        'namePrefix: o-\ncommonLabels:\n  movie: planetOfTheApes\npatchesStrategicMerge:\n- animalPark.yaml\nresources:\n- ../base\n- ursus.yaml\n',
      'overlay/ursus.yaml': obj('foo/v1', 'Gorilla', 'ursus', 'spec:\n  diet: heston\n  location: Arizona\n'),
      'overlay/animalPark.yaml': obj(
        'foo/v1',
        'AnimalPark',
        'sandiego',
        'spec:\n  gorillaRef:\n    name: ursus\n',
      ),
    },
    build: 'overlay',
  },
  ...(
    [
      [false, false, true],
      [true, false, true],
      [false, true, false],
      [false, false, false],
    ] as const
  ).map(
    ([selectors, templates, config]): Scenario => ({
      name: `customconfig: TestLabelTransformerConfig (includeSelectors=${selectors}, includeTemplates=${templates}, ${config ? '' : 'no '}labels config)`,
      mustBuild: true,
      files: {
        'kustomization.yaml': labelsKustomization(selectors, templates, config, 'deployment.yaml'),
        'resources/deployment.yaml': sampleDeployment,
        ...(config
          ? {
              'config/configurations.yaml':
                'labels:\n  - path: spec/template/metadata/labels\n    create: true\n    kind: Deployment\n',
            }
          : {}),
      },
    }),
  ),
  ...[
    'labels:\n  - path: spec/template/metadata/labels\n    create: true\n    kind: SampleResource\n',
    'labels:\n  - path: spec/selectors/labels\n    create: true\n    kind: SampleResource\n',
    '\nlabels:\n  - path: spec/selectors/labels\n    create: true\n    kind: SampleResource\n  - path: spec/template/metadata/labels\n    create: true\n    kind: SampleResource\n',
  ].map(
    (config, i): Scenario => ({
      name: `customconfig: TestLabelTransformerConfigWithCustomResources #${i + 1}`,
      mustBuild: true,
      files: {
        'kustomization.yaml': labelsKustomization(false, false, true, 'custom-resource.yaml'),
        'resources/custom-resource.yaml': sampleResource,
        'config/configurations.yaml': config,
      },
    }),
  ),
  {
    name: 'customconfig: TestConfigurationsFromParentDirectory',
    files: {
      'kustomizeconfig.yaml':
        'nameReference:\n- kind: Gorilla\n  fieldSpecs:\n  - kind: AnimalPark\n    path: spec/gorillaRef/name\n',
      'overlay/kustomization.yaml':
        'resources:\n- gorilla.yaml\n- animalPark.yaml\nconfigurations:\n- ../kustomizeconfig.yaml\nnamePrefix: x-\n',
      'overlay/gorilla.yaml': obj('foo/v1', 'Gorilla', 'koko', 'spec:\n  diet: bambooshoots\n'),
      'overlay/animalPark.yaml': obj(
        'foo/v1',
        'AnimalPark',
        'sandiego',
        'spec:\n  gorillaRef:\n    name: koko\n',
      ),
    },
    build: 'overlay',
  },
  {
    name: 'customconfigofbuiltinplugin: TestCustomNamePrefixer',
    mustBuild: true,
    files: {
      'app/kustomization.yaml':
        'resources:\n- deployment.yaml\n- role.yaml\n- service.yaml\ntransformers:\n- prefixer.yaml\n',
      'app/prefixer.yaml':
        'apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: customPrefixer\nprefix: zzz-\nfieldSpecs:\n- kind: Deployment\n  path: metadata/name\n- kind: Service\n  path: metadata/name\n',
      'app/deployment.yaml': obj(
        'apps/v1',
        'Deployment',
        'myDeployment',
        'spec:\n  template:\n    metadata:\n      labels:\n        backend: awesome\n    spec:\n      containers:\n      - name: whatever\n        image: whatever\n',
      ),
      'app/role.yaml': obj('v1', 'Role', 'myRole'),
      'app/service.yaml': obj('v1', 'Service', 'myService'),
    },
    build: 'app',
  },
  {
    name: 'configurations: a custom spec for a path keeps the broader builtin one out, and conflicts on create',
    files: {
      'base/kustomization.yaml': 'resources: [r.yaml]\nconfigurations: [c.yaml]\n',
      'base/c.yaml': 'namePrefix:\n- path: metadata/name\n  kind: Foo\n',
      'base/r.yaml': [obj('v1', 'ConfigMap', 'cm'), obj('x/v1', 'Foo', 'foo', 'spec: {}\n')].join('---\n'),
      'overlay/kustomization.yaml': 'resources: [../base]\nnamePrefix: p-\nnameSuffix: -s\n',
    },
    build: 'overlay',
  },
  {
    name: 'configurations: a builtin spec first lets a custom one for the same path in beside it',
    files: {
      'base/kustomization.yaml': 'resources: [r.yaml]\n',
      'base/r.yaml': [obj('v1', 'ConfigMap', 'cm'), obj('x/v1', 'Foo', 'foo', 'spec: {}\n')].join('---\n'),
      'overlay/kustomization.yaml': 'resources: [../base]\nnamePrefix: p-\nconfigurations: [c.yaml]\n',
      'overlay/c.yaml': 'namePrefix:\n- path: metadata/name\n  kind: Foo\n',
    },
    build: 'overlay',
  },
  {
    name: 'configurations: specs that differ only in create conflict',
    files: {
      'kustomization.yaml': 'resources: [r.yaml]\nnamePrefix: p-\nconfigurations: [c.yaml]\n',
      'c.yaml': 'namePrefix:\n- path: metadata/name\n  create: true\n',
      'r.yaml': obj('v1', 'ConfigMap', 'cm'),
    },
  },
];
