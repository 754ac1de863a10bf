import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  componentNames,
  defaultComponents,
  helmBinaryPath,
  helmRendererPath,
  type KubeObject,
  onlyComponents,
  renderObjects,
} from '../src/index.ts';

const namespace = 'weft-system';

function byKind(objects: KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}

function names(objects: KubeObject[]): string[] {
  return objects.map((object) => object.metadata.name).sort();
}

type Container = {
  args: string[];
  securityContext: Record<string, unknown>;
  resources: { limits: { memory: string } };
  readinessProbe: unknown;
  livenessProbe: unknown;
  startupProbe: unknown;
};
type PodSpec = { containers: Container[]; volumes: Array<{ name: string; emptyDir?: unknown }> };

function podSpec(deployment: KubeObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

describe('the installation definition', () => {
  it('installs every controller but the opt-in ones by default, with its ServiceAccount, ClusterRole and Deployment', () => {
    const objects = renderObjects({ namespace });
    assert.deepEqual(defaultComponents, [
      'source-controller',
      'kustomize-controller',
      'helm-controller',
      'notification-controller',
    ]);
    assert.deepEqual(names(byKind(objects, 'Deployment')), [...defaultComponents].sort());
    assert.deepEqual(names(byKind(objects, 'ServiceAccount')), [...defaultComponents].sort());
    assert.deepEqual(
      names(byKind(objects, 'ClusterRole')),
      defaultComponents.map((name) => `weft-${name}-${namespace}`).sort(),
    );
    const all = renderObjects({ namespace, values: onlyComponents(componentNames) });
    assert.deepEqual(names(byKind(all, 'Deployment')), [...componentNames].sort());
    assert.equal(objects[0]?.kind, 'Namespace');
    assert.deepEqual(names(byKind(objects, 'Service')), ['source-controller', 'webhook-receiver']);
  });

  it('installs only the chosen controllers and the CRDs they need', () => {
    const objects = renderObjects({ namespace, values: onlyComponents(['notification-controller']) });
    assert.deepEqual(names(byKind(objects, 'Deployment')), ['notification-controller']);
    const groups = new Set(
      byKind(objects, 'CustomResourceDefinition').map((crd) => (crd.spec as { group: string }).group),
    );
    assert.deepEqual([...groups], ['notification.weft.dev']);
    // kustomize-controller watches sources, so it brings the source CRDs even without source-controller.
    const kustomize = renderObjects({ namespace, values: onlyComponents(['kustomize-controller']) });
    const kustomizeGroups = new Set(
      byKind(kustomize, 'CustomResourceDefinition').map((crd) => (crd.spec as { group: string }).group),
    );
    assert.deepEqual([...kustomizeGroups].sort(), ['kustomize.weft.dev', 'source.weft.dev']);
    assert.ok(!names(byKind(kustomize, 'NetworkPolicy')).includes('weft-allow-artifacts'));
  });

  it('runs each controller hardened, with leader election, probes, a memory limit and /tmp', () => {
    for (const deployment of byKind(renderObjects({ namespace }), 'Deployment')) {
      const spec = podSpec(deployment);
      const container = spec.containers[0];
      assert.ok(container);
      assert.ok(container.args.includes('--enable-leader-election'), deployment.metadata.name);
      assert.deepEqual(container.securityContext, {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      assert.match(container.resources.limits.memory, /^\d+(Mi|Gi)$/);
      assert.deepEqual(container.startupProbe, {
        httpGet: { path: '/healthz', port: 'healthz' },
        periodSeconds: 1,
        failureThreshold: 300,
      });
      assert.deepEqual(container.livenessProbe, { httpGet: { path: '/healthz', port: 'healthz' } });
      assert.deepEqual(container.readinessProbe, { httpGet: { path: '/readyz', port: 'healthz' } });
      assert.ok(spec.volumes.some((volume) => volume.name === 'tmp' && volume.emptyDir));
    }
  });

  it('adds a PodDisruptionBudget only where there is more than one replica', () => {
    assert.equal(byKind(renderObjects({ namespace }), 'PodDisruptionBudget').length, 0);
    const objects = renderObjects({ namespace, values: { 'kustomize-controller': { replicas: 2 } } });
    assert.deepEqual(names(byKind(objects, 'PodDisruptionBudget')), ['kustomize-controller']);
  });

  it('gives kustomize-controller impersonation, and cluster-admin only when asked', () => {
    const objects = renderObjects({ namespace });
    const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name.includes('kustomize'));
    const rules = (role?.rules ?? []) as Array<{ resources: string[]; verbs: string[] }>;
    assert.ok(
      rules.some((rule) => rule.resources.includes('serviceaccounts') && rule.verbs.includes('impersonate')),
    );
    assert.ok(!rules.some((rule) => rule.verbs.includes('*') || rule.resources.includes('*')));
    const bindings = (values?: Record<string, unknown>) =>
      byKind(renderObjects({ namespace, ...(values ? { values } : {}) }), 'ClusterRoleBinding').filter(
        (binding) => (binding.roleRef as { name: string }).name === 'cluster-admin',
      );
    assert.equal(bindings().length, 0);
    const granted = bindings({ clusterReconciler: { enabled: true } });
    assert.deepEqual(
      granted.map((binding) => (binding.subjects as Array<{ name: string }>)[0]?.name).sort(),
      ['helm-controller', 'kustomize-controller'],
    );
  });

  it('passes extra flags after the generated ones, and the log level and namespace scope', () => {
    const objects = renderObjects({
      namespace: 'gitops',
      values: {
        logLevel: 'debug',
        watchAllNamespaces: false,
        'kustomize-controller': { extraArgs: ['--concurrent=10'] },
      },
    });
    const deployment = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'kustomize-controller',
    );
    assert.ok(deployment);
    const args = podSpec(deployment).containers[0]?.args ?? [];
    assert.ok(args.includes('--log-level=debug'));
    assert.ok(args.includes('--watch-all-namespaces=false'));
    assert.equal(args.at(-1), '--concurrent=10');
    assert.equal(deployment.metadata.namespace, 'gitops');
  });

  it('takes each port from the values, flag and containerPort alike, and host networking on request', () => {
    const objects = renderObjects({
      namespace,
      values: {
        hostNetwork: true,
        'source-controller': { ports: { metrics: 18080, health: 19440, storage: 19090 } },
      },
    });
    const deployment = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'source-controller',
    );
    assert.ok(deployment);
    const spec = podSpec(deployment) as PodSpec & { hostNetwork?: boolean };
    const container = spec.containers[0] as Container & {
      ports: Array<{ name: string; containerPort: number }>;
    };
    assert.equal(spec.hostNetwork, true);
    for (const flag of ['--metrics-addr=:18080', '--health-addr=:19440', '--storage-addr=:19090'])
      assert.ok(container.args.includes(flag), flag);
    assert.deepEqual(
      container.ports.map((port) => `${port.name}=${port.containerPort}`),
      ['http=19090', 'http-prom=18080', 'healthz=19440'],
    );
    const helm = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'helm-controller');
    assert.ok(helm && podSpec(helm).containers[0]?.args.includes(`--helm-binary=${helmBinaryPath}`));
    assert.ok(podSpec(helm).containers[0]?.args.includes(`--helm-renderer-path=${helmRendererPath}`));
    assert.equal((podSpec(helm) as { hostNetwork?: boolean }).hostNetwork, true);
    const byDefault = renderObjects({ namespace }).find((o) => o.kind === 'Deployment');
    assert.ok(byDefault && !('hostNetwork' in podSpec(byDefault)), 'no hostNetwork field by default');
  });

  it('labels the Namespace restricted, and privileged only when hostNetwork asks for it', () => {
    const namespaces = (values?: Record<string, unknown>) =>
      renderObjects({ namespace, ...(values ? { values } : {}) }).filter((o) => o.kind === 'Namespace');
    const level = (object: { metadata: { labels?: Record<string, string> } } | undefined) =>
      object?.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    const restricted = namespaces();
    assert.equal(restricted.length, 1);
    assert.equal(level(restricted[0]), 'restricted');
    // baseline forbids host namespaces as well: admission would refuse every pod.
    const host = namespaces({ hostNetwork: true });
    assert.equal(host.length, 1, 'one Namespace, not both');
    assert.equal(level(host[0]), 'privileged');
    assert.equal(level(namespaces({ hostNetwork: false })[0]), 'restricted');
    assert.equal(
      renderObjects({ namespace, values: { hostNetwork: true }, chartOnly: true }).some(
        (o) => o.kind === 'Namespace',
      ),
      false,
      'the chart leaves the Namespace to helm --create-namespace',
    );
  });

  it('leaves the monitoring objects out unless enabled', () => {
    const kinds = (values?: Record<string, unknown>) =>
      renderObjects({ namespace, ...(values ? { values } : {}) }).map((object) => object.kind);
    assert.ok(!kinds().includes('PrometheusRule'));
    const all = kinds({
      monitoring: {
        podMonitor: { enabled: true },
        prometheusRule: { enabled: true },
        dashboard: { enabled: true },
      },
    });
    for (const kind of ['PodMonitor', 'PrometheusRule', 'ConfigMap']) assert.ok(all.includes(kind), kind);
  });
});
