/**
 * helm-controller from its image on the real node (with source-controller for the chart):
 * a HelmRelease becomes a real Helm release, rendered by the long-running renderer the image
 * bundles (/usr/local/bin/weft-helm-renderer, started on the first render) and stored in Helm's
 * format, as the helm binary the image bundles reads it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  eventually,
  installWeft,
  nodeProcess,
  toolPath,
  type WeftController,
  type WeftInstallation,
} from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';
import {
  appNamespace,
  createTenant,
  eventuallyFound,
  type InClusterEnv,
  inClusterUnavailable,
  startInClusterEnv,
  tenant,
} from './fixtures.ts';

const run = promisify(execFile);
const chosen: WeftController[] = ['source-controller', 'helm-controller'];
const helmRelease = { apiVersion: 'helm.weft.dev/v1', kind: 'HelmRelease', namespace: appNamespace };

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

describe('charts/weft on the real node: helm-controller', { skip: inClusterUnavailable(chosen) }, () => {
  let env: InClusterEnv;
  let weft: WeftInstallation | undefined;
  before(async () => {
    env = await startInClusterEnv('weft-helm-in-cluster');
    const { client, git } = env;
    [weft] = await Promise.all([
      installWeft(env.cluster, {
        components: chosen,
        registry: env.registry,
        // Releases without a serviceAccountName install as helm-controller, as Flux's default.
        values: { clusterReconciler: { enabled: true } },
      }),
      git.createRepo('charts', {
        'hello/Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\n',
        'hello/templates/configmap.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hello\ndata:\n  greeting: {{ .Values.greeting }}\n',
      }),
      createTenant(client),
    ]);
    await client.apply({
      apiVersion: 'source.weft.dev/v1',
      kind: 'GitRepository',
      metadata: { name: 'charts', namespace: appNamespace },
      spec: { url: git.url('charts'), ref: { branch: 'main' }, interval: '10m' },
    });
  });
  after(async () => {
    await weft?.stop();
    await env?.stop();
  });

  const release = (name: string, spec: Record<string, unknown>) =>
    env.client.apply({
      apiVersion: helmRelease.apiVersion,
      kind: helmRelease.kind,
      metadata: { name, namespace: appNamespace },
      spec: {
        interval: '10m',
        chart: { spec: { chart: './hello', sourceRef: { kind: 'GitRepository', name: 'charts' } } },
        ...spec,
      },
    });
  const explain = (name: string) => [
    { ...helmRelease, name },
    {
      apiVersion: 'source.weft.dev/v1',
      kind: 'HelmChart',
      namespace: appNamespace,
      name: `${appNamespace}-${name}`,
    },
    { apiVersion: 'source.weft.dev/v1', kind: 'GitRepository', namespace: appNamespace, name: 'charts' },
  ];

  it('installs a HelmRelease with the helm it bundles: a real Helm release', async () => {
    assert.ok(weft);
    const { client } = env;
    const helmController = await weft.processOf('helm-controller');
    console.log(
      `# helm-controller: helm install to Available ${weft.readyMs['helm-controller']} ms, RSS in its pod ${helmController.rssMiB} MiB`,
    );
    await release('hello', { values: { greeting: 'from-the-pod' } });
    const configMap = await eventuallyFound(
      client,
      'the release applied by helm-controller in its pod',
      () =>
        client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNamespace, name: 'hello-hello' }),
      explain('hello'),
    );
    assert.equal((configMap.data as Record<string, string>).greeting, 'from-the-pod');
    // The renderer's own command line: the controller's names the renderer only in its flag
    // (`--helm-renderer-path=…`), never followed by the renderer's `-parallel=` argument.
    const renderer = await nodeProcess(env.cluster, '/usr/local/bin/weft-helm-renderer\0-parallel=');
    assert.equal(renderer.uid, '65532', 'the renderer runs in the pod, as the image user');
    console.log(`# helm-controller's renderer in its pod: RSS ${renderer.rssMiB} MiB`);
    const { stdout } = await run(toolPath('helm'), [
      'list',
      '--namespace',
      appNamespace,
      '--kubeconfig',
      env.cluster.kubeconfigPath,
      '--output',
      'json',
    ]);
    const releases = JSON.parse(stdout) as Array<{ name: string; status: string }>;
    assert.deepEqual(
      releases.map((r) => `${r.name} ${r.status}`),
      ['hello deployed'],
      'a real Helm release',
    );
  });

  // In a pod there is no kubeconfig: helm-controller hands its helm processes the in-cluster
  // server, CA and token file (a generated kubeconfig), so impersonating the tenant works there.
  it('installs a HelmRelease as its serviceAccountName', async () => {
    const { client } = env;
    await release('tenant', { serviceAccountName: tenant, values: { greeting: 'as-the-tenant' } });
    // Ends at the install's verdict either way: a failure says why instead of timing out.
    const ready = await eventually(
      'HelmRelease tenant decided',
      async () => {
        const live = (await client.get({ ...helmRelease, name: 'tenant' })) as KubeObject;
        const status = live.status as { conditions?: Condition[] } | undefined;
        const condition = status?.conditions?.find((c) => c.type === 'Ready');
        // ArtifactFailed while the HelmChart is still being built passes; the install's own
        // outcome is the verdict.
        const decided =
          condition?.status === 'True' ||
          (condition?.status === 'False' && condition.reason !== 'ArtifactFailed');
        return decided ? condition : undefined;
      },
      180_000,
    );
    assert.equal(ready.status, 'True', `${ready.reason}: ${ready.message}`);
    const configMap = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: appNamespace,
      name: 'tenant-hello',
    });
    assert.equal((configMap.data as Record<string, string>).greeting, 'as-the-tenant');
  });
});
