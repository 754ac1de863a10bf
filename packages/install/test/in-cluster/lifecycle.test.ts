/**
 * charts/weft's life on the real node, one installation from install to uninstall: `helm
 * install` with helm-controller off → exactly the chosen controllers run as pods from the images
 * setup built and turn Ready; a GitRepository and a Kustomization are reconciled by them (the
 * artifact fetched from the source-controller pod); `helm upgrade` changing a flag rolls the
 * Deployment and the new process carries it; a SIGKILLed controller restarts in its pod and
 * applies the next commit; `helm uninstall` leaves what was applied. The steps build on each
 * other, so they share one installation. Prints start-to-Ready times and RSS in the pods.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { eventually, installWeft, realNodeName, type WeftController, type WeftInstallation } from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';
import {
  appNamespace,
  configMap,
  createTenant,
  eventuallyFound,
  type InClusterEnv,
  inClusterUnavailable,
  kustomizationType,
  startInClusterEnv,
  tenant,
  webDeployment,
} from './fixtures.ts';

const chosen: WeftController[] = ['source-controller', 'kustomize-controller', 'notification-controller'];

function argsOf(object: KubeObject): string[] {
  const spec = object.spec as { template: { spec: { containers: Array<{ args?: string[] }> } } };
  return spec.template.spec.containers[0]?.args ?? [];
}

describe('charts/weft on the real node: install, reconcile, upgrade, restart, uninstall', {
  skip: inClusterUnavailable(chosen),
}, () => {
  let env: InClusterEnv;
  let weft: WeftInstallation | undefined;
  before(async () => {
    env = await startInClusterEnv('weft-in-cluster');
  });
  after(async () => {
    await weft?.stop();
    await env?.stop();
  });

  const apps = { ...kustomizationType, namespace: appNamespace, name: 'apps' };
  const appliedRevision = (revision: string) =>
    eventuallyFound(
      env.client,
      `Kustomization apps applied ${revision}`,
      async () => {
        const ks = await env.client.get(apps);
        return (ks.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision === revision
          ? ks
          : undefined;
      },
      [apps],
    );
  const greeting = async () =>
    (
      (
        await env.client.get({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: appNamespace,
          name: 'app-config',
        })
      ).data as Record<string, string>
    ).greeting;

  it('helm install with helm-controller off: exactly the chosen controllers run as pods and turn Ready', async () => {
    const { client } = env;
    weft = await installWeft(env.cluster, { components: chosen, registry: env.registry });
    const deployments = await client.list({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: weft.namespace,
    });
    assert.deepEqual(deployments.items.map((d) => d.metadata.name).sort(), [...chosen].sort());
    const pods = await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: weft.namespace });
    assert.equal(pods.items.length, chosen.length);
    for (const pod of pods.items) {
      assert.equal(
        (pod.spec as { nodeName?: string }).nodeName,
        realNodeName,
        `${pod.metadata.name} runs for real`,
      );
      const status = pod.status as { conditions?: Array<{ type: string; status: string }> };
      assert.ok(status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }
    for (const name of chosen) {
      const process = await weft.processOf(name);
      assert.equal(process.uid, '65532', `${name} runs as the image's user`);
      console.log(
        `# ${name}: helm install to Available ${weft.readyMs[name]} ms, RSS in its pod ${process.rssMiB} MiB`,
      );
    }
  });

  it('a GitRepository and a Kustomization are reconciled by the controllers in their pods', async () => {
    assert.ok(weft);
    const { client, git } = env;
    const commit = await git.createRepo('fleet', {
      'app/config.yaml': configMap('hello'),
      'app/web.yaml': webDeployment,
    });
    await createTenant(client);
    await client.apply({
      apiVersion: 'source.weft.dev/v1',
      kind: 'GitRepository',
      metadata: { name: 'fleet', namespace: appNamespace },
      spec: { url: git.url('fleet'), ref: { branch: 'main' }, interval: '5s' },
    });
    await client.apply({
      ...kustomizationType,
      metadata: { name: 'apps', namespace: appNamespace },
      spec: {
        interval: '5s',
        path: './app',
        prune: true,
        targetNamespace: appNamespace,
        serviceAccountName: tenant,
        sourceRef: { kind: 'GitRepository', name: 'fleet' },
      },
    });
    await appliedRevision(`main@sha1:${commit}`);
    assert.equal(await greeting(), 'hello');
    const repo = await client.get({
      apiVersion: 'source.weft.dev/v1',
      kind: 'GitRepository',
      namespace: appNamespace,
      name: 'fleet',
    });
    const url = (repo.status as { artifact?: { url?: string } }).artifact?.url ?? '';
    assert.ok(url.startsWith(`${weft.artifactServer}/`), `the artifact comes from the pod's server: ${url}`);
  });

  it('helm upgrade changing a flag rolls the Deployment; the new process carries the flag', async () => {
    assert.ok(weft);
    const before = await weft.processOf('kustomize-controller');
    await weft.upgrade({ 'kustomize-controller': { extraArgs: ['--concurrent=8'] } });
    const replicaSets = (
      await env.client.list({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        namespace: weft.namespace,
        labelSelector: 'app=kustomize-controller',
      })
    ).items;
    const revision = (rs: KubeObject) =>
      Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    replicaSets.sort((a, b) => revision(b) - revision(a));
    assert.equal(replicaSets.length, 2);
    assert.ok(argsOf(replicaSets[0] as KubeObject).includes('--concurrent=8'));
    assert.ok(!argsOf(replicaSets[1] as KubeObject).includes('--concurrent=8'));
    const after = await eventually('the new kustomize-controller process', async () => {
      const process = await weft!.processOf('kustomize-controller').catch(() => undefined);
      return process && process.pid !== before.pid ? process : undefined;
    });
    const cmdline = await readFile(`/proc/${after.pid}/cmdline`, 'utf8');
    assert.ok(cmdline.split('\0').includes('--concurrent=8'), cmdline);
  });

  it('a controller SIGKILLed in its pod restarts and applies the next commit', async () => {
    assert.ok(weft);
    const victim = await weft.processOf('kustomize-controller');
    process.kill(victim.pid, 'SIGKILL');
    const next = await env.git.commit('fleet', { 'app/config.yaml': configMap('again') }, 'greeting: again');
    await eventually(
      'kustomize-controller restarted in its pod',
      async () => {
        const pods = await env.client.list({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: weft!.namespace,
          labelSelector: 'app=kustomize-controller',
        });
        const status = pods.items[0]?.status as {
          containerStatuses?: Array<{ restartCount: number; ready: boolean }>;
        };
        const container = status?.containerStatuses?.[0];
        return container && container.restartCount >= 1 && container.ready ? true : undefined;
      },
      180_000,
    );
    await appliedRevision(`main@sha1:${next}`);
    assert.equal(await greeting(), 'again');
    assert.notEqual((await weft.processOf('kustomize-controller')).pid, victim.pid);
  });

  it('helm uninstall removes the controllers and leaves what they applied', async () => {
    assert.ok(weft);
    const { client } = env;
    await weft.uninstall();
    await eventually('the controllers gone', async () =>
      (await client.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: weft!.namespace })).items
        .length === 0
        ? true
        : undefined,
    );
    assert.equal(await greeting(), 'again');
    assert.ok(
      await client.find({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: appNamespace, name: 'web' }),
    );
    assert.ok(await client.find(apps));
  });
});
