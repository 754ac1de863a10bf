/**
 * Adds the HelmRelease controller to a runtime Manager. What it watches comes from the manager's
 * cache, each kind once per process:
 *
 * - HelmReleases (the controller's own informer, in the watched namespace and shard);
 * - HelmCharts: a chart whose artifact or conditions change reconciles the releases that read it
 *   (the one its template belongs to, by label, or a `chartRef`), found through an index;
 * - OCIRepositories: the same for releases whose `chartRef` is an OCI chart;
 * - a HelmRelease becoming Ready reconciles its not-ready dependents (`dependsOn`, by index).
 *
 * The helm processes, the renderer and the extracted charts go when the manager stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionType,
  HelmApiVersion,
  HelmChartKind,
  HelmReleaseKind,
  Label,
  OCIRepositoryKind,
  SourceApiVersion,
} from '@weft/api';
import { ArtifactCache } from '@weft/artifact';
import { cacheKind, ObjectIndex } from '@weft/runtime/cache';
import { type Client, isRecord, type KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import type { Informer } from '@weft/runtime/informer';
import { type Manager, shardScope, watchNamespace } from '@weft/runtime/manager';
import type { Controller } from '@weft/runtime/reconcile';
import { CapabilitiesCache } from './engine/capabilities.ts';
import { ReleaseEngine } from './engine/release.ts';
import { RenderCache } from './engine/render.ts';
import { HelmCli } from './helm/cli.ts';
import { helmConnection } from './helm/kubeconfig.ts';
import { HelmRenderer } from './helm/renderer.ts';
import { installPostRenderPlugin } from './postrender/plugin.ts';
import { FieldManager, HelmReleaseReconciler, type HelmReleaseReconcilerOptions } from './reconciler.ts';
import { ReleaseActions } from './release-action.ts';
import type { HelmReleaseObject } from './types.ts';

export interface HelmControllerOptions
  extends Pick<
    HelmReleaseReconcilerOptions,
    'noCrossNamespaceRefs' | 'defaultServiceAccount' | 'requeueDependencyMs'
  > {
  /** The controller's client; default the manager's. Its field manager becomes `helm-controller`. */
  client?: Client;
  /** `--helm-binary`. */
  helmBinary: string;
  /** `--helm-renderer-path`: the long-running renderer; unset, renders are `helm template` runs. */
  helmRendererPath?: string | undefined;
  /** `--release-engine`: `template` (default) or `binary` (every install/upgrade a helm process). */
  releaseEngine?: 'template' | 'binary';
  /**
   * The controller's `--kubeconfig`, also the helm processes'; when absent they get the
   * controller's other sources in its order (KUBECONFIG, in-cluster, ~/.kube/config).
   */
  kubeconfigPath?: string | undefined;
  /** Where the in-cluster config comes from (tests; default process.env and the pod's files). */
  inCluster?: { env?: Record<string, string | undefined>; serviceAccountDir?: string };
  /** Parent of the controller's scratch directory (default: the OS temp dir). */
  workParent?: string;
}

export interface HelmController {
  controller: Controller<HelmReleaseObject>;
  informer: Informer<HelmReleaseObject>;
  helm: HelmCli;
  /** The long-running renderer, when `helmRendererPath` is set. */
  renderer: HelmRenderer | undefined;
}

const helmReleases = cacheKind<HelmReleaseObject>(HelmApiVersion, HelmReleaseKind);
const helmCharts = cacheKind(SourceApiVersion, HelmChartKind);
const ociRepositories = cacheKind(SourceApiVersion, OCIRepositoryKind);

function chartState(obj: KubeObject | undefined): string {
  const status = isRecord(obj?.status) ? obj.status : {};
  return JSON.stringify([status.artifact, status.conditions, status.observedGeneration]);
}

function readyAt(obj: HelmReleaseObject): string {
  return `${conditions.isTrue(obj as unknown as conditions.Conditioned, ConditionType.Ready)} ${obj.status?.lastAttemptedRevision ?? ''}`;
}

const chartKey = (namespace: string | undefined, name: string | undefined) =>
  `${namespace ?? ''}/${name ?? ''}`;

/** Registers the HelmRelease controller with a manager (before `manager.start()`). */
export async function addHelmController(
  manager: Manager,
  options: HelmControllerOptions,
): Promise<HelmController> {
  const client = (options.client ?? manager.client(FieldManager)).withFieldManager(FieldManager);
  const namespace = watchNamespace(manager.flags);
  const work = await mkdtemp(join(options.workParent ?? tmpdir(), 'weft-helm-controller-'));
  const connection = await helmConnection({
    kubeconfigPath: options.kubeconfigPath,
    workDir: work,
    env: options.inCluster?.env,
    serviceAccountDir: options.inCluster?.serviceAccountDir,
  });
  const helm = new HelmCli({
    binary: options.helmBinary,
    ...connection,
    home: join(work, 'helm'),
  });
  await installPostRenderPlugin(join(work, 'helm', 'data'));
  const renderer = options.helmRendererPath
    ? new HelmRenderer({
        binary: options.helmRendererPath,
        home: join(work, 'helm'),
        parallel: manager.flags.concurrent,
      })
    : undefined;
  const artifacts = new ArtifactCache({ parent: work, maxUnused: 16 });
  const informer = manager.cache.informer(helmReleases, shardScope(manager.flags));
  const charts = manager.cache.informer(helmCharts, { namespace, waitForSync: false });
  const ociSources = manager.cache.informer(ociRepositories, { namespace, waitForSync: false });
  const engine = new ReleaseEngine(client);
  const actions = new ReleaseActions({
    helm,
    engine,
    renders: new RenderCache({ helm, renderer }),
    capabilities: new CapabilitiesCache(),
    ownEngine: options.releaseEngine !== 'binary',
  });
  const reconciler = new HelmReleaseReconciler({
    client,
    helm,
    actions,
    engine,
    artifacts,
    workDir: work,
    noCrossNamespaceRefs: options.noCrossNamespaceRefs,
    defaultServiceAccount: options.defaultServiceAccount,
    requeueDependencyMs: options.requeueDependencyMs,
    getHelmRelease: async (depNamespace, name) => informer.get(`${depNamespace}/${name}`),
    cachedSource: (ref) =>
      (ref.kind === HelmChartKind ? charts : ref.kind === OCIRepositoryKind ? ociSources : undefined)?.get(
        chartKey(ref.namespace, ref.name),
      ),
  });
  manager.signal.addEventListener(
    'abort',
    () => {
      helm.killAll();
      renderer?.close();
      void artifacts
        .close()
        .catch(() => undefined)
        .then(() => rm(work, { recursive: true, force: true }));
    },
    { once: true },
  );
  const controller = manager.addController<HelmReleaseObject>({
    name: 'helmrelease',
    reconciler,
    informer,
    client,
  });

  const byChart = new ObjectIndex(informer, (release) => {
    if (release.spec.chart)
      return [
        chartKey(
          release.spec.chart.spec.sourceRef.namespace ?? release.metadata.namespace,
          `${release.metadata.namespace}-${release.metadata.name}`,
        ),
      ];
    const ref = release.spec.chartRef;
    return ref ? [`${ref.kind}/${chartKey(ref.namespace ?? release.metadata.namespace, ref.name)}`] : [];
  });
  controller.watches(charts, (obj, oldObj) => {
    if (oldObj && chartState(oldObj) === chartState(obj)) return [];
    const labels = obj.metadata.labels ?? {};
    const owner = labels[Label.HelmName] ? [`${labels[Label.HelmNamespace]}/${labels[Label.HelmName]}`] : [];
    const referring = byChart.keys(`${HelmChartKind}/${chartKey(obj.metadata.namespace, obj.metadata.name)}`);
    return [
      ...new Set([
        ...owner,
        ...byChart.keys(chartKey(obj.metadata.namespace, obj.metadata.name)),
        ...referring,
      ]),
    ].filter((key) => informer.get(key) !== undefined);
  });
  controller.watches(ociSources, (obj, oldObj) => {
    if (oldObj && chartState(oldObj) === chartState(obj)) return [];
    return byChart.keys(`${OCIRepositoryKind}/${chartKey(obj.metadata.namespace, obj.metadata.name)}`);
  });

  const byDependency = new ObjectIndex(informer, (release) =>
    (release.spec.dependsOn ?? [])
      .filter((dep) => (dep.kind ?? HelmReleaseKind) === HelmReleaseKind)
      .map((dep) => `${dep.namespace ?? release.metadata.namespace}/${dep.name}`),
  );
  controller.watches(informer, (obj, oldObj) => {
    if (
      !oldObj ||
      readyAt(oldObj) === readyAt(obj) ||
      !conditions.isTrue(obj as unknown as conditions.Conditioned, ConditionType.Ready)
    )
      return [];
    return byDependency.keys(`${obj.metadata.namespace}/${obj.metadata.name}`).filter((key) => {
      const dependent = informer.get(key);
      return (
        dependent !== undefined &&
        !conditions.isTrue(dependent as unknown as conditions.Conditioned, ConditionType.Ready)
      );
    });
  });
  return { controller, informer, helm, renderer };
}
