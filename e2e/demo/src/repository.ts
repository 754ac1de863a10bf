/**
 * The example repository the demo serves over git: an app with a base and a staging overlay,
 * as teams lay out a Flux repository. `release(n)` is the change the demo commits.
 */
import type { GitFiles } from '@weft/e2e';

export const appNamespace = 'demo';

function deployment(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ${image}
          ports:
            - containerPort: 8080
`;
}

export function initialFiles(): GitFiles {
  return {
    'apps/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - service.yaml\n',
    'apps/base/deployment.yaml': deployment('ghcr.io/example/web:1.0.0'),
    'apps/base/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports:
    - port: 80
      targetPort: 8080
`,
    'apps/staging/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${appNamespace}\n`,
    'apps/staging/kustomization.yaml': staging(2, '1.0.0'),
  };
}

/** The staging overlay: namespace, replicas and image tag set by the environment. */
export function staging(replicas: number, tag: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${appNamespace}
resources:
  - namespace.yaml
  - ../base
replicas:
  - name: web
    count: ${replicas}
images:
  - name: ghcr.io/example/web
    newTag: ${tag}
`;
}
