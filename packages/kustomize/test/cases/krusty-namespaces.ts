// Scenarios of api/krusty/namespaces_test.go and inlinetransformer_test.go.
import { obj, type Scenario } from './case.ts';

const esVars = (names: [string, string][], withNamespace: boolean): string =>
  `vars:\n${names
    .flatMap(([env, field]) => [
      `- name: elasticsearch-${env}-${field === 'metadata.name' ? 'service-name' : 'protocol'}`,
      '  objref:',
      '    kind: Service',
      '    name: elasticsearch',
      ...(withNamespace ? [`    namespace: ${env}`] : []),
      '    apiVersion: v1',
      '  fieldref:',
      `    fieldpath: ${field}`,
    ])
    .join('\n')}\n`;
const esPair = (env: string): [string, string][] => [
  [env, 'metadata.name'],
  [env, 'spec.ports[0].protocol'],
];
const esResources = (env: string, protocol: string): string => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: elasticsearch
  namespace: ${env}
spec:
  template:
    spec:
      containers:
        - name: elasticsearch
          env:
            - name: DISCOVERY_SERVICE
              value: "$(elasticsearch-${env}-service-name).monitoring.svc.cluster.local"
            - name: DISCOVERY_PROTOCOL
              value: "$(elasticsearch-${env}-protocol)"
---
apiVersion: v1
kind: Service
metadata:
  name: elasticsearch
  namespace: ${env}
spec:
  ports:
    - name: transport
      port: 9300
      protocol: ${protocol}
  clusterIP: None
`;
const esFiles = {
  'elasticsearch-dev-service.yaml': esResources('dev', 'TCP'),
  'elasticsearch-test-service.yaml': esResources('test', 'UDP'),
};
const esTop = (withNamespace: boolean): string =>
  `resources:\n- elasticsearch-dev-service.yaml\n- elasticsearch-test-service.yaml\n${esVars([...esPair('test'), ...esPair('dev')], withNamespace)}`;

const nsResources = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cm1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm2
  namespace: ns1
---
apiVersion: v1
kind: Service
metadata:
  name: svc1
  namespace: ns1
---
apiVersion: v1
kind: Service
metadata:
  name: svc2
  namespace: ns1
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa1
  namespace: ns1
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa2
  namespace: ns1
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: manager-rolebinding
subjects:
- {kind: ServiceAccount, name: sa1, namespace: ns1}
- {kind: ServiceAccount, name: sa2, namespace: ns1}
- {kind: ServiceAccount, name: sa3, namespace: random}
- {kind: ServiceAccount, name: default, namespace: irrelevant}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: example
webhooks:
  - name: example1
    clientConfig:
      service: {name: svc1, namespace: ns1}
  - name: example2
    clientConfig:
      service: {name: svc2, namespace: ns1}
  - name: example3
    clientConfig:
      service: {name: svc3, namespace: random}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crds.my.org
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: namespace.crds.my.org
spec:
  conversion:
    strategy: Webhook
    webhook:
      clientConfig:
        service: {name: crd-svc, namespace: random}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cr1
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: crb1
subjects:
- {kind: ServiceAccount, name: default, namespace: irrelevant}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv1
`;

export const namespaceScenarios: Scenario[] = [
  {
    name: 'namespaces: TestNamespacedSecrets',
    mustBuild: true,
    files: {
      'secrets.yaml': [
        obj('v1', 'Secret', 'dummy', '  namespace: default\ntype: Opaque\ndata:\n  dummy: ""\n'),
        obj('v1', 'Secret', 'dummy', '  namespace: kube-system\ntype: Opaque\ndata:\n  dummy: ""\n'),
      ].join('---\n'),
      'role.yaml':
        'kind: ClusterRole\napiVersion: rbac.authorization.k8s.io/v1\nmetadata:\n  name: dummy\nrules:\n- apiGroups: [""]\n  resources: ["secrets"]\n  resourceNames: ["dummy"]\n  verbs: ["get"]\n',
      'kustomization.yaml': 'resources:\n- secrets.yaml\n- role.yaml\n',
    },
  },
  {
    name: 'namespaces: TestNameReferenceDeploymentIssue3489',
    mustBuild: true,
    files: {
      'base/kustomization.yaml': 'resources:\n- cm.yaml\n- dep.yaml\n',
      'base/cm.yaml': obj('v1', 'ConfigMap', 'myMap'),
      'base/dep.yaml':
        'apiVersion: v1\ngroup: apps\nkind: Deployment\nmetadata:\n  name: myDep\nspec:\n  template:\n    spec:\n      containers:\n      - env:\n        - name: CM_FOO\n          valueFrom:\n            configMapKeyRef:\n              key: foo\n              name: myMap\n',
      'ov1/kustomization.yaml': 'resources:\n- ../base\nnamePrefix: pp-\n',
      'ov2/kustomization.yaml': 'resources:\n- ../base\nnameSuffix: -ss\n',
      'ov3/kustomization.yaml': 'resources:\n- ../base\nnamespace: fred\nnameSuffix: -xx\n',
      'top/kustomization.yaml': 'resources:\n- ../ov1\n- ../ov2\n- ../ov3\n',
    },
    build: 'top',
  },
  {
    name: 'namespaces: TestNameAndNsTransformation, without the namespace',
    mustBuild: true,
    files: {
      'kustomization.yaml': 'namePrefix: p1-\nnameSuffix: -s1\nresources:\n- resources.yaml\n',
      'resources.yaml': nsResources,
    },
  },
  {
    name: 'namespaces: TestNameAndNsTransformation, namespace only',
    mustBuild: true,
    files: {
      'kustomization.yaml': 'namespace: newnamespace\nresources:\n- resources.yaml\n',
      'resources.yaml': nsResources,
    },
  },
  {
    name: 'namespaces: TestVariablesAmbiguous (an error)',
    files: { 'kustomization.yaml': esTop(false), ...esFiles },
  },
  {
    name: 'namespaces: TestVariablesAmbiguousWorkaround',
    mustBuild: true,
    files: {
      'dev/kustomization.yaml': `resources:\n- elasticsearch-dev-service.yaml\n${esVars(esPair('dev'), false)}`,
      'dev/elasticsearch-dev-service.yaml': esResources('dev', 'TCP'),
      'test/kustomization.yaml': `resources:\n- elasticsearch-test-service.yaml\n${esVars(esPair('test'), false)}`,
      'test/elasticsearch-test-service.yaml': esResources('test', 'UDP'),
      'workaround/kustomization.yaml': 'resources:\n- ../dev\n- ../test\n',
    },
    build: 'workaround',
  },
  {
    name: 'namespaces: TestVariablesDisambiguatedWithNamespace',
    mustBuild: true,
    files: { 'kustomization.yaml': esTop(true), ...esFiles },
  },
  {
    name: 'namespaces: TestAddNamePrefixWithNamespace',
    mustBuild: true,
    files: {
      'serviceaccount.yaml': obj('v1', 'ServiceAccount', 'prometheus'),
      'clusterrolebinding.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRoleBinding\nmetadata:\n  name: prometheus\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: prometheus\nsubjects:\n- kind: ServiceAccount\n  name: prometheus\n  namespace: iter8-monitoring\n',
      'kustomization.yaml':
        'namePrefix: iter8-\nnamespace: iter8-monitoring\nresources:\n- clusterrolebinding.yaml\n- serviceaccount.yaml\n',
    },
  },
  {
    name: 'inlinetransformer: TestInlineTransformer',
    mustBuild: true,
    files: {
      'resource.yaml': obj('apps/v1', 'ConfigMap', 'whatever', 'data: {}\n'),
      'kustomization.yaml':
        'resources:\n- resource.yaml\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: NamespaceTransformer\n  metadata:\n    name: not-important-to-example\n    namespace: test\n  fieldSpecs:\n  - path: metadata/namespace\n    create: true\n',
    },
  },
  {
    name: 'inlinetransformer: TestInlineGenerator',
    mustBuild: true,
    files: {
      'kustomization.yaml':
        'generators:\n- |-\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata:\n    name: mymap\n  literals:\n  - FRUIT=apple\n  - VEGETABLE=carrot\n',
    },
  },
];
