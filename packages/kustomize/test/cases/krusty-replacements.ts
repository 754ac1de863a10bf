// Scenarios of api/krusty/replacementtransformer_test.go.
import { obj, type Scenario } from './case.ts';

const twoContainers = obj(
  'apps/v1',
  'Deployment',
  'deploy',
  'spec:\n  template:\n    spec:\n      containers:\n      - image: foobar:1\n        name: replaced-with-digest\n      - image: postgres:1.8.0\n        name: postgresdb\n',
);
const replacement =
  'source:\n  kind: Deployment\n  fieldPath: spec.template.spec.containers.0.image\ntargets:\n- select:\n    kind: Deployment\n  fieldPaths:\n  - spec.template.spec.containers.1.image\n';
const nginx = (name: string, image: string): string =>
  obj(
    'apps/v1',
    'Deployment',
    name,
    `spec:\n  template:\n    spec:\n      containers:\n      - image: ${image}\n        name: nginx\n`,
  );
const diamondSide = (side: string, source: string): Record<string, string> => ({
  [`${side}/kustomization.yaml`]: `namePrefix: ${side}-\nresources:\n- ../base\nreplacements:\n- path: replacement.yaml\n`,
  [`${side}/replacement.yaml`]: `source:\n  name: ${side}-${source}\n  fieldPath: spec.template.spec.containers.0.image\ntargets:\n- select:\n    name: ${side}-deploy\n  fieldPaths:\n  - spec.template.spec.containers.[name=nginx].image\n`,
});

export const replacementScenarios: Scenario[] = [
  {
    name: 'replacements: TestReplacementsField',
    mustBuild: true,
    files: {
      'kustomization.yaml': `resources:\n- resource.yaml\n\nreplacements:\n- ${replacement.replace(/\n(?=.)/g, '\n  ')}`,
      'resource.yaml': twoContainers,
    },
  },
  {
    name: 'replacements: TestReplacementsFieldWithPath',
    mustBuild: true,
    files: {
      'kustomization.yaml': 'resources:\n- resource.yaml\n\nreplacements:\n- path: replacement.yaml\n',
      'replacement.yaml': replacement,
      'resource.yaml': twoContainers,
    },
  },
  {
    name: 'replacements: TestReplacementTransformerWithDiamondShape',
    mustBuild: true,
    files: {
      'base/deployment.yaml': [
        nginx('deploy', 'nginx:1.7.9'),
        nginx('sourceA', 'nginx:newtagA'),
        nginx('sourceB', 'nginx:newtagB'),
      ].join('---\n'),
      'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
      ...diamondSide('a', 'sourceA'),
      ...diamondSide('b', 'sourceB'),
      'combined/kustomization.yaml': 'resources:\n- ../a\n- ../b\n',
    },
    build: 'combined',
  },
];
