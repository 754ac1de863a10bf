// Scenarios of api/krusty/namereference_test.go.
import type { Scenario } from './case.ts';

export const nameReferenceScenarios: Scenario[] = [
  {
    name: 'namereference: TestIssue3489Simplified (one base twice, one copy suffixed)',
    files: {
      'kustomization.yaml': 'namespace: kube-system\nresources:\n- aa\n- bb\n',
      'aa/kustomization.yaml': 'resources:\n- ../base\n',
      'bb/kustomization.yaml': 'resources:\n- ../base\nnameSuffix: -private\n',
      'base/kustomization.yaml': 'resources:\n- deployment.yaml\n- serviceAccount.yaml\n',
      'base/deployment.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: myDep\nspec:\n  template:\n    spec:\n      serviceAccountName: mySvcAcct\n      containers:\n      - name: whatever\n        image: k8s.gcr.io/governmentCheese\n',
      'base/serviceAccount.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: mySvcAcct\n',
    },
  },
  {
    name: 'namereference: TestUnrelatedNameReferenceReplacement_Issue4254_Issue3418',
    files: {
      'role.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cluster-autoscaler\nrules:\n- apiGroups: ["coordination.k8s.io"]\n  resources: ["leases"]\n  resourceNames: ["cluster-autoscaler"]\n  verbs: ["get","update"]\n',
      'kustomization.yaml':
        'resources:\n- role.yaml\nconfigMapGenerator:\n- name: cluster-autoscaler\n  namespace: kube-system\n  literals:\n  - AWS_REGION="us-east-1"\n',
    },
  },
  {
    name: 'namereference: TestIssue4884_UseLocalConfigAsNameRefSource',
    mustBuild: true,
    files: {
      'kustomization.yaml':
        'resources:\n  - resources.yaml\n\nnamePrefix: prefix-\n\nconfigurations:\n  - kustomize-nameref.yaml\n',
      'kustomize-nameref.yaml': `nameReference:
- kind: IngressHost
  fieldSpecs:
  - path: spec/rules/host
    kind: Ingress
  - path: spec/tls/hosts
    kind: Ingress
  - path: spec/template/spec/containers/env/value
    kind: Deployment
- kind: IngressSecret
  fieldSpecs:
  - path: spec/tls/secretName
    kind: Ingress
namePrefix:
- path: metadata/name
  kind: IngressHost
- path: metadata/name
  kind: IngressSecret
`,
      'resources.yaml': `apiVersion: local/v1
kind: IngressHost
metadata:
  name: test.fakedomain.com
  namespace: test
  annotations:
    config.kubernetes.io/local-config: "true"
---
apiVersion: local/v1
kind: IngressSecret
metadata:
  name: test-secret
  namespace: test
  annotations:
    config.kubernetes.io/local-config: "true"
---
apiVersion: v1
kind: Ingress
metadata:
  name: test-ingress
  namespace: test
spec:
  rules:
  - host: test.fakedomain.com
  - host: do-not-touch.otherdomain.com
  tls:
  - hosts:
    - test.fakedomain.com
    secretName: test-secret
  - hosts:
    - do-not-touch.otherdomain.com
    secretname: do-not-touch
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: test-deployment
  namespace: test
spec:
  template:
    spec:
      containers:
      - name: tester
        env:
        - name: domain-name
          value: test.fakedomain.com
`,
    },
  },
];
