/**
 * helm-controller as in a pod, without a pod: no kubeconfig, only the in-cluster environment
 * (KUBERNETES_SERVICE_HOST/PORT and a ServiceAccount directory with a TokenRequest token, the
 * apiserver's CA and the namespace). A HelmRelease with `serviceAccountName` released by the helm
 * binary (`--release-engine=binary`: install, then uninstall) must reach the e2e apiserver, not
 * localhost:8080, acting as that ServiceAccount.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HelmApiVersion, HelmReleaseKind, SourceApiVersion } from '@weft/api';
import { eventually } from '@weft/e2e';
import { addHelmController, parseHelmControllerFlags } from '@weft/helm-controller';
import { RestConfig } from '@weft/runtime/client';
import { testManager } from '@weft/runtime/testing';
import { parse } from 'yaml';
import {
  conditionOf,
  configMapChart,
  HelmRepo,
  helm,
  helmBinary,
  helmTestCluster,
  startSourceController,
} from './helpers.ts';

const { kubeconfigPath, client, ns } = await helmTestCluster('hr-incluster');
const repo = await HelmRepo.start();
await repo.add(configMapChart('greeter', '1.0.0'));
await startSourceController(kubeconfigPath, ns);

/** The ServiceAccount directory a pod would have, for `sa` in `ns`, bound to `role`. */
async function serviceAccountDir(sa: string, clusterRole: string): Promise<string> {
  await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: ns } });
  await client.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `${ns}-${sa}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
  });
  after(() =>
    client
      .delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: `${ns}-${sa}` })
      .catch(() => undefined),
  );
  const response = await client.transport.request({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    context: `token of ${sa}`,
  });
  const token = (response.body as { status: { token: string } }).status.token;
  const admin = parse(await readFile(kubeconfigPath, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  };
  const cluster = admin.clusters[0]?.cluster;
  assert.ok(cluster, 'the e2e kubeconfig names a cluster');
  const dir = await mkdtemp(join(tmpdir(), 'hr-incluster-sa-'));
  after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'token'), token, { mode: 0o600 });
  await writeFile(join(dir, 'ca.crt'), Buffer.from(cluster['certificate-authority-data'], 'base64'));
  await writeFile(join(dir, 'namespace'), ns);
  return dir;
}

const saDir = await serviceAccountDir('helm-controller', 'cluster-admin');
const server = new URL(
  (parse(await readFile(kubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> })
    .clusters[0]?.cluster.server ?? '',
);
const env = {
  KUBERNETES_SERVICE_HOST: server.hostname.replace(/^\[|\]$/g, ''),
  KUBERNETES_SERVICE_PORT: server.port,
};

const flags = parseHelmControllerFlags(
  ['--metrics-addr=0', '--health-addr=0', '--min-retry-delay=500ms', '--max-retry-delay=5s'],
  {},
);
const manager = testManager({
  name: 'helm-controller',
  flags: flags.runtime,
  kubeConfig: RestConfig.inCluster({ env, serviceAccountDir: saDir }),
});
const { helm: helmCli } = await addHelmController(manager, {
  helmBinary,
  releaseEngine: 'binary',
  inCluster: { env, serviceAccountDir: saDir },
});
await manager.start();
after(() => manager.stop());

const hrRef = { apiVersion: HelmApiVersion, kind: HelmReleaseKind, namespace: ns, name: 'in-pod' };

describe('helm-controller with in-cluster config only', { timeout: 240_000 }, () => {
  it('releases as spec.serviceAccountName through the helm binary, and uninstalls', async () => {
    await client.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'deployer', namespace: ns },
    });
    await client.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
    });
    await client.create({
      apiVersion: SourceApiVersion,
      kind: 'HelmRepository',
      metadata: { name: 'repo', namespace: ns },
      spec: { url: repo.url, interval: '1m', timeout: '5s' },
    });
    await client.create({
      apiVersion: HelmApiVersion,
      kind: HelmReleaseKind,
      metadata: hrRef,
      spec: {
        interval: '1m',
        serviceAccountName: 'deployer',
        chart: {
          spec: { chart: 'greeter', version: '1.x', sourceRef: { kind: 'HelmRepository', name: 'repo' } },
        },
        values: { data: { greeting: 'from a pod' } },
      },
    });
    const ready = await eventually(
      'HelmRelease Ready',
      async () => {
        const c = conditionOf(await client.find(hrRef));
        if (c?.status === 'False' && /localhost:8080|connection refused/.test(c.message))
          throw new Error(c.message);
        return c?.status === 'True' ? c : undefined;
      },
      120_000,
    );
    assert.match(ready.message, /greeter/);
    assert.ok((helmCli.runs.get('install') ?? 0) >= 1, 'the install ran in a helm process');
    const cm = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      name: 'in-pod-config',
    });
    assert.equal((cm.data as Record<string, string>).greeting, 'from a pod');
    const list = JSON.parse(await helm(kubeconfigPath, ['ls', '-n', ns, '-o', 'json'])) as Array<{
      name: string;
    }>;
    assert.deepEqual(
      list.map((r) => r.name),
      ['in-pod'],
    );

    await client.delete(hrRef);
    await eventually('HelmRelease gone', async () => ((await client.find(hrRef)) ? undefined : true), 60_000);
    assert.ok((helmCli.runs.get('uninstall') ?? 0) >= 1, 'the uninstall ran in a helm process');
    const left = JSON.parse(await helm(kubeconfigPath, ['ls', '-n', ns, '-o', 'json'])) as unknown[];
    assert.deepEqual(left, []);
  });
});
