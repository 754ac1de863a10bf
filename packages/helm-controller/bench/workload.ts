/**
 * The MTTP workload, in the shape of Flux's benchmark: one Helm repository (the static HTTP server
 * of e2e/) serving a podinfo-like chart (ServiceAccount, ConfigMap, Deployment scaled to zero,
 * Service) packaged and indexed by the real helm, and one HelmRelease with its own HelmChart (the
 * `spec.chart` template) per app.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type StaticHttpServer, startStaticHttpServer, toolPath } from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';

export const chartVersion = '6.7.0';

const chartFiles: Record<string, string> = {
  'Chart.yaml': `apiVersion: v2\nname: podinfo\nversion: ${chartVersion}\nappVersion: "${chartVersion}"\n`,
  'values.yaml':
    'replicaCount: 0\nimage: {repository: ghcr.io/stefanprodan/podinfo, tag: 6.7.0}\nmessage: hello\n',
  'templates/serviceaccount.yaml':
    'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}\n',
  'templates/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  message: {{ .Values.message | quote }}\n',
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      serviceAccountName: {{ .Release.Name }}
      containers:
        - name: podinfo
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports: [{containerPort: 9898, name: http}]
`,
  'templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {app: {{ .Release.Name }}}
  ports: [{port: 9898, targetPort: http, name: http}]
`,
};

/** Serves the chart's repository (index.yaml and the .tgz) until `stop()`. */
export async function startChartRepository(work: string): Promise<StaticHttpServer> {
  const repo = await startStaticHttpServer();
  const chartDir = join(work, 'chart', 'podinfo');
  for (const [path, text] of Object.entries(chartFiles)) {
    await mkdir(join(chartDir, path, '..'), { recursive: true });
    await writeFile(join(chartDir, path), text);
  }
  const helmEnv = {
    PATH: process.env.PATH ?? '',
    HOME: work,
    HELM_CACHE_HOME: join(work, '.hc'),
    HELM_CONFIG_HOME: join(work, '.hcfg'),
    HELM_DATA_HOME: join(work, '.hd'),
  };
  const helm = toolPath('helm');
  await run(helm, ['package', chartDir, '-d', repo.root], { env: helmEnv });
  await run(helm, ['repo', 'index', repo.root, '--url', repo.baseUrl], { env: helmEnv });
  return repo;
}

export function helmRepository(apiVersion: string, namespace: string, url: string): KubeObject {
  return {
    apiVersion,
    kind: 'HelmRepository',
    metadata: { name: 'podinfo', namespace },
    spec: { url, interval: '10m' },
  };
}

export function helmRelease(apiVersion: string, namespace: string, name: string): KubeObject {
  return {
    apiVersion,
    kind: 'HelmRelease',
    metadata: { name, namespace },
    spec: {
      interval: '1h',
      chart: {
        spec: { chart: 'podinfo', version: '6.x', sourceRef: { kind: 'HelmRepository', name: 'podinfo' } },
      },
      values: { message: name },
    },
  };
}
