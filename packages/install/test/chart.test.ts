/**
 * One source, two renderings: the chart rendered by the real `helm template` must give the same
 * objects as the definition evaluated with the same values; `helm lint` must be clean and the
 * values schema must turn a typo into an error.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot, toolPath } from '@weft/e2e';
import { parseAllDocuments } from 'yaml';
import { componentNames, type KubeObject, onlyComponents, renderObjects, type Values } from '../src/index.ts';

const run = promisify(execFile);
const helm = toolPath('helm');
const chart = join(repoRoot, 'charts', 'weft');
const scratch = await mkdtemp(join(tmpdir(), 'weft-chart-'));
after(() => rm(scratch, { recursive: true, force: true }));

async function helmTemplate(namespace: string, values: Values): Promise<KubeObject[]> {
  const file = join(scratch, `values-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(values));
  const { stdout } = await run(
    helm,
    ['template', 'weft', chart, '--namespace', namespace, '--kube-version', '1.36.0', '--values', file],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return parseAllDocuments(stdout)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

const key = (object: KubeObject) =>
  `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;

function sorted(objects: KubeObject[]): KubeObject[] {
  return [...objects].sort((a, b) => key(a).localeCompare(key(b)));
}

const valueSets: Array<{ name: string; namespace: string; values: Values }> = [
  { name: 'the defaults', namespace: 'weft-system', values: {} },
  {
    name: 'kustomize-controller alone, two replicas, extra flags, env and scheduling',
    namespace: 'gitops',
    values: {
      ...onlyComponents(['kustomize-controller']),
      'kustomize-controller': {
        enabled: true,
        replicas: 2,
        extraArgs: ['--concurrent=10', '--requeue-dependency=5s'],
        extraEnv: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'weft', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: {} },
        resources: { limits: { memory: '2Gi' } },
      },
      clusterReconciler: { enabled: true },
    },
  },
  {
    name: 'a private registry, a pull secret, debug logs, one namespace, no network policies',
    namespace: 'weft-system',
    values: {
      image: { registry: '127.0.0.1:5000', tag: '1.0', pullPolicy: 'Always' },
      imagePullSecrets: [{ name: 'regcred' }],
      logLevel: 'debug',
      watchAllNamespaces: false,
      networkPolicy: { enabled: false },
      'notification-controller': { enabled: false, podSecurityContext: {} },
    },
  },
  {
    name: 'every controller on host networking with its own ports and Recreate (the e2e values)',
    namespace: 'weft-e2e',
    values: {
      ...onlyComponents(componentNames),
      hostNetwork: true,
      'source-controller': {
        enabled: true,
        ports: { metrics: 31001, health: 31002, storage: 31003 },
        strategy: { type: 'Recreate' },
        extraArgs: ['--storage-adv-addr=127.0.0.1:31003'],
      },
      'helm-controller': { enabled: true, ports: { metrics: 31004, health: 31005 } },
      'notification-controller': { enabled: true, ports: { metrics: 31006, health: 31007, receiver: 31008 } },
    },
  },
  {
    name: 'monitoring on',
    namespace: 'monitoring-test',
    values: {
      monitoring: {
        podMonitor: { enabled: true },
        prometheusRule: { enabled: true },
        dashboard: { enabled: true },
      },
    },
  },
];

describe('the chart', () => {
  for (const { name, namespace, values } of valueSets) {
    it(`renders what the definition renders: ${name}`, async () => {
      const fromHelm = sorted(await helmTemplate(namespace, values));
      const fromDefinition = sorted(renderObjects({ namespace, values, chartOnly: true }));
      assert.deepEqual(fromHelm.map(key), fromDefinition.map(key));
      assert.deepEqual(fromHelm, JSON.parse(JSON.stringify(fromDefinition)));
    });
  }

  it('passes helm lint without warnings', async () => {
    const { stdout } = await run(helm, ['lint', chart, '--kube-version', '1.36.0']);
    assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.doesNotMatch(stdout, /\[(WARNING|ERROR)\]/);
  });

  it('fails on a typo in the values, naming it', async () => {
    const refused = (set: string, message: RegExp) =>
      assert.rejects(
        run(helm, ['template', 'weft', chart, '--kube-version', '1.36.0', '--set', set]),
        (error: Error & { stderr?: string }) => message.test(error.stderr ?? ''),
      );
    await refused('source-controler.enabled=false', /additional properties 'source-controler' not allowed/);
    await refused('kustomize-controller.replicas=two', /kustomize-controller\/replicas/);
  });
});
