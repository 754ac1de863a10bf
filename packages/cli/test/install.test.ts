/**
 * `weft install`, `check` and `version` against the real API server (KWOK nodes make the pods
 * Ready): the chosen controllers become Ready, a second run changes nothing, a new --version
 * upgrades, --export prints the generated manifests.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Cluster, eventually, repoRoot, useCluster } from '@weft/e2e';
import { onlyComponents, renderObjects } from '@weft/install';
import { Client, type KubeObject, RestConfig } from '@weft/runtime/client';
import { computeStatus, HealthStatus } from '@weft/runtime/health';
import { weft } from './run-weft.ts';

const cluster: Cluster = await useCluster();
const client = new Client(RestConfig.fromFiles(cluster.kubeconfigPath), { fieldManager: 'e2e' });
const namespace = `weft-cli-${randomBytes(3).toString('hex')}`;
const global = ['--kubeconfig', cluster.kubeconfigPath, '--namespace', namespace, '--timeout', '2m'];
const components = ['--components', 'source-controller,kustomize-controller'];

/** The namespaces of installations to remove after the file (each with its cluster-wide RBAC). */
const cleanups = [namespace];

after(async () => {
  for (const installed of cleanups) {
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: installed }).catch(() => undefined);
    for (const name of ['source-controller', 'kustomize-controller']) {
      for (const kind of ['ClusterRole', 'ClusterRoleBinding'])
        await client
          .delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, name: `weft-${name}-${installed}` })
          .catch(() => undefined);
    }
  }
});

function deployment(name: string): Promise<KubeObject> {
  return client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
}

function imageOf(object: KubeObject): string {
  return (
    (object.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec
      .containers[0]?.image ?? ''
  );
}

describe('weft install', () => {
  it('installs the chosen controllers, waits until they are Ready, and check passes', async () => {
    const result = await weft(['install', ...global, ...components]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /✔ source-controller: 1\/1 ready/);
    assert.match(result.stderr, /✔ install finished/);
    const expected = renderObjects({
      namespace,
      values: onlyComponents(['source-controller', 'kustomize-controller']),
    });
    for (const object of expected) {
      const live = await client.find({
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
      });
      assert.ok(live, `${object.kind} ${object.metadata.name} was not applied`);
    }
    for (const name of ['source-controller', 'kustomize-controller'])
      assert.equal(computeStatus(await deployment(name)).status, HealthStatus.Current);
    const none = await client.find({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace,
      name: 'notification-controller',
    });
    assert.equal(none, undefined);

    const checked = await weft(['check', ...global]);
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stderr, /✔ kustomize-controller 0\.1\.0: ready/);
    assert.match(checked.stderr, /✔ kustomizations\.kustomize\.weft\.dev/);
    assert.match(checked.stderr, /✔ all checks passed/);
    const pre = await weft(['check', '--pre', ...global]);
    assert.equal(pre.code, 0, pre.stderr);
    assert.match(pre.stderr, /✔ may create customresourcedefinitions/);
  });

  it('is idempotent: a second run changes no Deployment', async () => {
    const before = (await deployment('kustomize-controller')).metadata.generation;
    const result = await weft(['install', ...global, ...components]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await deployment('kustomize-controller')).metadata.generation, before);
  });

  it('a new --version upgrades every controller, and version reports it', async () => {
    const result = await weft(['install', ...global, ...components, '--version', '0.2.0']);
    assert.equal(result.code, 0, result.stderr);
    for (const name of ['source-controller', 'kustomize-controller']) {
      const live = await deployment(name);
      assert.equal(imageOf(live), `ghcr.io/weft/${name}:0.2.0`);
      assert.equal(computeStatus(live).status, HealthStatus.Current);
    }
    const version = await weft(['version', ...global]);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^weft: 0\.1\.0$/m);
    assert.match(version.stdout, /^kustomize-controller: 0\.2\.0$/m);
  });

  it('a re-run without a controller removes it (never the CRDs); check --components checks only those', async () => {
    const result = await weft([
      'install',
      ...global,
      '--components',
      'source-controller',
      '--version',
      '0.2.0',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /✔ removed \d+ objects no longer installed: Deployment kustomize-controller/);
    assert.equal(
      await client.find({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace,
        name: 'kustomize-controller',
      }),
      undefined,
    );
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' };
    assert.equal(await client.find({ ...role, name: `weft-kustomize-controller-${namespace}` }), undefined);
    assert.ok(await client.find({ ...role, name: `weft-source-controller-${namespace}` }));
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
    assert.ok(await client.find({ ...crd, name: 'kustomizations.kustomize.weft.dev' }), 'the CRD stays');

    const only = await weft(['check', ...global, '--components', 'source-controller']);
    assert.equal(only.code, 0, only.stderr);
    assert.match(only.stderr, /✔ gitrepositories\.source\.weft\.dev/);
    assert.doesNotMatch(only.stderr, /kustomizations\.kustomize\.weft\.dev/, 'only the CRDs of the named');
    const gone = await weft(['check', ...global, '--components', 'source-controller,kustomize-controller']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /✗ kustomize-controller: not installed in /);
    const typo = await weft(['check', ...global, '--components', 'source-controler']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown component "source-controler"/);
  });

  it('--host-network: the Namespace lets the host-network pods in, and they become Ready', async () => {
    const hostNamespace = `${namespace}-host`;
    cleanups.push(hostNamespace);
    const result = await weft([
      'install',
      ...global.slice(0, 2),
      '--namespace',
      hostNamespace,
      '--timeout',
      '2m',
      '--components',
      'source-controller',
      '--host-network',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const live = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: hostNamespace });
    assert.equal(live.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
    const pods = await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: hostNamespace });
    assert.ok(pods.items.length > 0);
    for (const pod of pods.items) assert.equal((pod.spec as { hostNetwork?: boolean }).hostNetwork, true);
  });

  it('check fails, naming the controller, when one is not Ready, and when nothing is installed', async () => {
    // A nodeSelector no node matches: the new pod stays Pending, the rollout never completes.
    await client.patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'source-controller' },
      { spec: { template: { spec: { nodeSelector: { 'weft.dev/no-such-node': 'true' } } } } },
    );
    await eventually(
      'the rollout to start',
      async () =>
        computeStatus(await deployment('source-controller')).status !== HealthStatus.Current || undefined,
    );
    const checked = await weft(['check', ...global]);
    assert.equal(checked.code, 1);
    assert.match(checked.stderr, /✗ source-controller 0\.2\.0: /);
    assert.match(checked.stderr, /✗ 1 check failed/);
    const empty = await weft(['check', ...global.slice(0, 2), '--namespace', `${namespace}-nothing`]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /no weft controllers in namespace/);
  });

  it('--export prints the generated manifests, without a cluster', async () => {
    const result = await weft(['install', '--export'], { env: { KUBECONFIG: '/nonexistent' } });
    assert.equal(result.code, 0, result.stderr);
    const committed = await readFile(join(repoRoot, 'manifests', 'install.yaml'), 'utf8');
    assert.equal(result.stdout, committed.slice(committed.indexOf('\n') + 1));
  });

  it('says what to do when the cluster cannot be reached', async () => {
    const result = await weft(['check', '--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /reading kubeconfig \/nonexistent\/kubeconfig/);
  });
});
