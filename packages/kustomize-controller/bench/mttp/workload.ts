/**
 * The MTTP workload. Each app is four objects (a ServiceAccount, a Service, a Deployment scaled to
 * zero and an Ingress) from one artifact, one Kustomization per app.
 *
 * - `flux` (the default) is the shape of Flux's own benchmark (fluxcd/flux-benchmark): every app
 *   gets its own names and labels through `postBuild.substitute` (`podinfo-${INDEX}`), and each
 *   Kustomization has that benchmark's spec: interval 60m, retryInterval 2m, prune, wait,
 *   timeout 1m, targetNamespace. (Its `serviceAccountName` is left out: both controllers run
 *   with the harness's admin kubeconfig.)
 * - `shared` is the shape this benchmark had first: the same names through `namePrefix`, and one
 *   label (`app: app`) shared by every app's selectors.
 */
export type Shape = 'flux' | 'shared';

/** Every object of Flux's benchmark app has the same name and labels. */
const fluxMetadata = `metadata:
  name: podinfo-\${INDEX}
  labels:
    app.kubernetes.io/name: podinfo-\${INDEX}
    app.kubernetes.io/version: 6.5.3`;

/** The app's manifests: Flux's benchmark app, written to the same shape (kinds, fields, labels). */
const fluxApp = `apiVersion: v1
kind: ServiceAccount
${fluxMetadata}
---
apiVersion: v1
kind: Service
${fluxMetadata}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: podinfo-\${INDEX}
  ports:
    - {name: http, port: 9898, targetPort: http, protocol: TCP}
    - {name: grpc, port: 9999, targetPort: grpc, protocol: TCP}
---
apiVersion: apps/v1
kind: Deployment
${fluxMetadata}
spec:
  replicas: \${PODS:=0}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 1}
  selector:
    matchLabels:
      app.kubernetes.io/name: podinfo-\${INDEX}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: podinfo-\${INDEX}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9898"
    spec:
      serviceAccountName: podinfo-\${INDEX}
      terminationGracePeriodSeconds: 30
      containers:
        - name: podinfo
          image: ghcr.io/stefanprodan/podinfo:6.5.3
          imagePullPolicy: IfNotPresent
          command: [./podinfo, --port=9898, --port-metrics=9797, --grpc-port=9999, --level=info]
          ports:
            - {name: http, containerPort: 9898, protocol: TCP}
            - {name: http-metrics, containerPort: 9797, protocol: TCP}
            - {name: grpc, containerPort: 9999, protocol: TCP}
          livenessProbe:
            exec: {command: [podcli, check, http, "localhost:9898/healthz"]}
            initialDelaySeconds: 1
            timeoutSeconds: 5
          readinessProbe:
            exec: {command: [podcli, check, http, "localhost:9898/readyz"]}
            initialDelaySeconds: 1
            timeoutSeconds: 5
          resources:
            requests: {cpu: "\${MCPU}", memory: 16Mi}
          volumeMounts:
            - {name: data, mountPath: /data}
      volumes:
        - {name: data, emptyDir: {}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
${fluxMetadata}
spec:
  ingressClassName: nginx
  rules:
    - host: podinfo-\${INDEX}.local
      http:
        paths:
          - path: /
            pathType: ImplementationSpecific
            backend:
              service:
                name: podinfo-\${INDEX}
                port: {number: 9898}
`;

const sharedApp = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 0
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      serviceAccountName: app
      containers:
        - name: app
          image: ghcr.io/stefanprodan/podinfo:6.7.0
          ports: [{containerPort: 9898, name: http}]
---
apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  selector: {app: app}
  ports: [{port: 80, targetPort: http, name: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
spec:
  rules:
    - host: app.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: app, port: {name: http}}}
`;

export function appManifests(shape: Shape): string {
  return shape === 'flux' ? fluxApp : sharedApp;
}

/** The variables of app `index` (Flux's benchmark: `${index}app`, no pods, 1 mCPU). */
export function appVariables(index: number): Record<string, string> {
  return { INDEX: `${index}app`, PODS: '0', MCPU: '1m' };
}

/** The spec of app `index`'s Kustomization; the same fields for weft and for Flux. */
export function kustomizationSpec(shape: Shape, index: number, name: string, namespace: string) {
  const common = {
    prune: true,
    wait: true,
    path: './',
    targetNamespace: namespace,
    sourceRef: { kind: 'GitRepository', name: 'repo' },
  };
  if (shape === 'shared') return { ...common, interval: '1h', timeout: '2m', namePrefix: `${name}-` };
  return {
    ...common,
    interval: '60m',
    retryInterval: '2m',
    timeout: '1m',
    postBuild: { substitute: appVariables(index) },
  };
}
