import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { type Cluster, eventually, testNamespace, useCluster } from '../../src/index.ts';

// At top level, not in before(): useCluster registers an after() hook that must belong to the file.
const cluster: Cluster = await useCluster();
const config: KubeConfig = await cluster.kubeConfig();

function statusCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

describe('local control plane', () => {
  test("a Deployment's pods are scheduled to KWOK nodes and become Ready", async () => {
    const namespace = await testNamespace(config, 'deploy');
    const apps = config.makeApiClient(AppsV1Api);
    const core = config.makeApiClient(CoreV1Api);
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'example/web:1' }] } },
        },
      },
    });
    await eventually('3 ready replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return d.status?.readyReplicas === 3 ? true : undefined;
    });
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      assert.match(pod.spec?.nodeName ?? '', /^kwok-node-/, 'scheduled onto a KWOK node');
      assert.equal(pod.status?.phase, 'Running');
    }
  });

  test('deleting a namespace completes', async () => {
    const core = config.makeApiClient(CoreV1Api);
    const namespace = await testNamespace(config, 'gone');
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'x' }, data: { a: 'b' } } });
    await core.deleteNamespace({ name: namespace });
    await eventually('the namespace to disappear', async () => {
      try {
        await core.readNamespace({ name: namespace });
        return undefined;
      } catch (error) {
        return statusCode(error) === 404 ? true : undefined;
      }
    });
  });

  test('a CRD installs; its objects are validated and have a status subresource', async () => {
    const extensions = config.makeApiClient(ApiextensionsV1Api);
    const custom = config.makeApiClient(CustomObjectsApi);
    const namespace = await testNamespace(config, 'crd');
    const group = `${namespace}.e2e.weft.dev`;
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      required: ['interval'],
                      properties: { interval: { type: 'string', pattern: '^[0-9]+(s|m|h)$' } },
                    },
                    status: { type: 'object', properties: { phase: { type: 'string' } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    after(() => extensions.deleteCustomResourceDefinition({ name: `widgets.${group}` }).catch(() => {}));
    await eventually('the CRD to be Established', async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: `widgets.${group}` });
      return (
        crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined
      );
    });
    const ref = { group, version: 'v1', namespace, plural: 'widgets' };
    const widget = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { interval: '5m' },
    };
    await eventually('the new kind to be served', () =>
      custom.createNamespacedCustomObject({ ...ref, body: widget }),
    );

    await custom.patchNamespacedCustomObjectStatus(
      { ...ref, name: 'w', body: { status: { phase: 'Ready' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const stored = (await custom.getNamespacedCustomObject({ ...ref, name: 'w' })) as {
      spec: { interval: string };
      status?: { phase?: string };
    };
    assert.equal(stored.status?.phase, 'Ready', 'status written through the status subresource');

    await assert.rejects(
      custom.createNamespacedCustomObject({
        ...ref,
        body: { ...widget, metadata: { name: 'bad' }, spec: { interval: 'soon' } },
      }),
      (error: unknown) => {
        assert.equal(statusCode(error), 422);
        assert.match(String((error as { body?: unknown }).body), /spec\.interval/);
        return true;
      },
    );
  });

  test('RBAC applies to an impersonated ServiceAccount without rights', async () => {
    const namespace = await testNamespace(config, 'rbac');
    const core = config.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'nobody' } } });
    const user = `system:serviceaccount:${namespace}:nobody`;
    const asNobody = impersonating(config, user);
    await assert.rejects(
      asNobody.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace }),
      (error: unknown) => statusCode(error) === 403,
    );
    // Granting the right makes the same request succeed: the 403 above was RBAC, not a broken client.
    const rbac = config.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'read-secrets' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'nobody-reads-secrets' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-secrets' },
        subjects: [{ kind: 'ServiceAccount', name: 'nobody', namespace }],
      },
    });
    await eventually('the binding to take effect', () =>
      asNobody.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace }),
    );
  });

  test('a second cluster runs beside the first, and a killed owner leaves no process behind', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./start-in-child.ts', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child exited with ${code} before its cluster was up`)));
    });
    const second = JSON.parse(line) as { server: string; pids: number[]; dir: string };
    assert.notEqual(second.server, cluster.server || 'not-the-same', 'a different port');
    assert.equal(second.pids.length, 5, 'etcd, apiserver, controller-manager, scheduler, kwok');
    for (const pid of second.pids) assert.ok(alive(pid), `component ${pid} runs`);

    child.kill('SIGKILL'); // no cleanup code of the owner runs
    await eventually('every component of the killed owner to exit', async () =>
      second.pids.every((pid) => !alive(pid)) ? true : undefined,
    );
    if (existsSync(second.dir)) await rm(second.dir, { recursive: true, force: true });
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) still answers kill(0); read its state to be sure.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

function impersonating(base: KubeConfig, user: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: base.clusters,
    contexts: base.contexts,
    currentContext: base.currentContext,
    users: base.users.map((u) => ({ ...u, impersonateUser: user })),
  });
  return copy;
}
