/**
 * What the HelmRelease e2e files share: a cluster namespace, a Helm repository with the `greeter`
 * chart, source-controller and helm-controller, and the waits and looks they use.
 */
import { Annotation, HelmApiVersion, HelmReleaseKind, SourceApiVersion } from '@weft/api';
import { eventually } from '@weft/e2e';
import { isRecord, type KubeObject } from '@weft/runtime/client';
import {
  conditionOf,
  configMapChart,
  HelmRepo,
  helm,
  helmTestCluster,
  startHelmController,
  startSourceController,
} from './helpers.ts';

export type HistoryEntry = { revision: number; status: string; chart: string; description: string };

/** Call at the top level of a test file (it registers `after` hooks). */
export async function releaseFixture(prefix: string, options: { renderer?: boolean } = {}) {
  const { kubeConfig, kubeconfigPath, client, ns } = await helmTestCluster(prefix);
  const repo = await HelmRepo.start();
  await repo.add(configMapChart('greeter', '1.0.0'));
  await startSourceController(kubeconfigPath, ns);
  const { controller } = await startHelmController(kubeConfig, kubeconfigPath, [ns], options);
  /**
   * helm processes of one release (`helmRuns('install', 'app')`): a count a retried attempt can
   * raise, so tests assert zero, or at least one, never an exact number above zero.
   */
  const helmRuns = (command: string, release: string) =>
    controller.helm.releaseRuns.get(`${command} ${release}`) ?? 0;
  /** Renders of the controller's own engine (by the renderer, or `helm template` without one). */
  const renders = () => (controller.renderer?.renders ?? 0) + (controller.helm.runs.get('template') ?? 0);

  /** The chart with a Job test hook (KWOK completes the Job's pod). */
  function withTestHook(chart: ReturnType<typeof configMapChart>): ReturnType<typeof configMapChart> {
    return {
      ...chart,
      files: {
        ...chart.files,
        'templates/tests/smoke.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-smoke
  annotations:
    helm.sh/hook: test
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: smoke
          image: busybox:1.36
          command: ["true"]
`,
      },
    };
  }

  const hrRef = (name: string) => ({
    apiVersion: HelmApiVersion,
    kind: HelmReleaseKind,
    namespace: ns,
    name,
  });
  const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

  async function createRepository(name: string, url: string): Promise<void> {
    await client.create({
      apiVersion: SourceApiVersion,
      kind: 'HelmRepository',
      metadata: { name, namespace: ns },
      spec: { url, interval: '1m', timeout: '5s' },
    });
  }

  async function createRelease(
    name: string,
    spec: Record<string, unknown>,
    chart: Record<string, unknown> = {},
  ) {
    await client.create({
      apiVersion: HelmApiVersion,
      kind: HelmReleaseKind,
      metadata: { name, namespace: ns },
      spec: {
        interval: '1m',
        chart: {
          spec: {
            chart: 'greeter',
            version: '1.x',
            sourceRef: { kind: 'HelmRepository', name: 'repo' },
            ...chart,
          },
        },
        ...spec,
      },
    });
  }

  function statusOf(obj: KubeObject | undefined): Record<string, unknown> {
    return isRecord(obj?.status) ? obj.status : {};
  }

  async function readyRelease(
    name: string,
    predicate: (hr: KubeObject) => boolean = () => true,
  ): Promise<KubeObject> {
    let last: KubeObject | undefined;
    try {
      return await eventually(
        `${name} Ready`,
        async () => {
          const hr = await client.get(hrRef(name));
          last = hr;
          const current = statusOf(hr).observedGeneration === hr.metadata.generation;
          return conditionOf(hr)?.status === 'True' && current && predicate(hr) ? hr : undefined;
        },
        120_000,
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}; last conditions: ${JSON.stringify(statusOf(last).conditions)}`,
      );
    }
  }

  async function notReady(name: string, pattern: RegExp): Promise<string> {
    return eventually(
      `${name} Ready=False matching ${pattern}`,
      async () => {
        const ready = conditionOf(await client.get(hrRef(name)));
        return ready?.status === 'False' && pattern.test(ready.message) ? ready.message : undefined;
      },
      120_000,
    );
  }

  async function history(release: string): Promise<HistoryEntry[]> {
    return JSON.parse(
      await helm(kubeconfigPath, ['history', release, '-n', ns, '-o', 'json']),
    ) as HistoryEntry[];
  }

  async function refreshRepository(name: string): Promise<void> {
    await client.patch(
      { apiVersion: SourceApiVersion, kind: 'HelmRepository', namespace: ns, name },
      { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: `${Date.now()}` } } },
    );
  }

  async function requestReconcile(name: string): Promise<void> {
    await client.patch(hrRef(name), {
      metadata: { annotations: { [Annotation.ReconcileRequestedAt]: `${Date.now()}` } },
    });
  }
  return {
    kubeConfig,
    kubeconfigPath,
    client,
    ns,
    repo,
    controller,
    helmRuns,
    renders,
    withTestHook,
    hrRef,
    cmRef,
    createRepository,
    createRelease,
    statusOf,
    readyRelease,
    notReady,
    history,
    refreshRepository,
    requestReconcile,
  };
}
