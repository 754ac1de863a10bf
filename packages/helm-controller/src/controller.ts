/**
 * Wires the HelmRelease reconciler into a runtime Manager: an informer of HelmReleases, one of
 * HelmCharts (a chart that changes — new artifact, or a new failure to report — re-queues the
 * releases that read it), the dependents of a release re-queued when it becomes Ready, and the
 * helm processes and extractions cleaned up when the manager stops.
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
  SourceApiVersion,
} from '@weft/api';
import { ArtifactCache } from '@weft/artifact';
import {
  type Client,
  type Controller,
  conditions,
  Informer,
  type InformerLike,
  isRecord,
  type KubeObject,
  type Manager,
  objectKey,
} from '@weft/runtime';
import { HelmCli } from './helm/cli.ts';
import { installPostRenderPlugin } from './postrender/plugin.ts';
import { FieldManager, HelmReleaseReconciler, type HelmReleaseReconcilerOptions } from './reconciler.ts';
import type { HelmReleaseObject } from './types.ts';

export interface HelmControllerOptions
  extends Pick<
    HelmReleaseReconcilerOptions,
    'noCrossNamespaceRefs' | 'defaultServiceAccount' | 'requeueDependencyMs'
  > {
  /** The controller's client; its field manager becomes `helm-controller`. */
  client: Client;
  /** `--helm-binary`. */
  helmBinary: string;
  /** Kubeconfig file the helm processes use (`--kubeconfig`); in-cluster config when absent. */
  kubeconfigPath?: string | undefined;
  /** Watch one namespace only (default: all). */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  /** Parent of the controller's scratch directory (default: the OS temp dir). */
  workParent?: string;
}

export interface HelmController {
  controller: Controller<HelmReleaseObject>;
  informer: Informer<HelmReleaseObject>;
  helm: HelmCli;
}

function chartVersion(obj: KubeObject | undefined): string {
  const status = isRecord(obj?.status) ? obj.status : {};
  return JSON.stringify([status.artifact, status.conditions, status.observedGeneration]);
}

function readyAt(obj: HelmReleaseObject): string {
  return `${conditions.isTrue(obj as unknown as conditions.Conditioned, ConditionType.Ready)} ${obj.status?.lastAttemptedRevision ?? ''}`;
}

/** HelmReleases plus HelmCharts, started and stopped together; synced once HelmReleases are. */
class HelmReleaseWatch implements InformerLike<HelmReleaseObject> {
  readonly #main: Informer<HelmReleaseObject>;
  readonly #charts: Informer;
  constructor(main: Informer<HelmReleaseObject>, charts: Informer) {
    this.#main = main;
    this.#charts = charts;
  }
  onAdd(handler: (obj: HelmReleaseObject) => void): unknown {
    return this.#main.onAdd(handler);
  }
  onUpdate(handler: (oldObj: HelmReleaseObject, newObj: HelmReleaseObject) => void): unknown {
    return this.#main.onUpdate(handler);
  }
  onDelete(handler: (obj: HelmReleaseObject) => void): unknown {
    return this.#main.onDelete(handler);
  }
  get hasSynced(): boolean {
    return this.#main.hasSynced;
  }
  get(key: string): HelmReleaseObject | undefined {
    return this.#main.get(key);
  }
  async start(signal?: AbortSignal): Promise<void> {
    void this.#charts.start(signal).catch(() => {});
    await this.#main.start(signal);
  }
  async stop(): Promise<void> {
    await Promise.all([this.#main.stop(), this.#charts.stop()]);
  }
}

/** Registers the HelmRelease controller with a manager (before `manager.start()`). */
export async function addHelmController(
  manager: Manager,
  options: HelmControllerOptions,
): Promise<HelmController> {
  const client = options.client.withFieldManager(FieldManager);
  const work = await mkdtemp(join(options.workParent ?? tmpdir(), 'weft-helm-controller-'));
  const helm = new HelmCli({
    binary: options.helmBinary,
    kubeconfigPath: options.kubeconfigPath,
    home: join(work, 'helm'),
  });
  await installPostRenderPlugin(join(work, 'helm', 'data'));
  const artifacts = new ArtifactCache({ parent: work, maxUnused: 16 });
  const informer = new Informer<HelmReleaseObject>(client, {
    apiVersion: HelmApiVersion,
    kind: HelmReleaseKind,
    namespace: options.namespace,
    labelSelector: options.labelSelector,
  });
  const charts = new Informer(client, {
    apiVersion: SourceApiVersion,
    kind: HelmChartKind,
    namespace: options.namespace,
  });
  const reconciler = new HelmReleaseReconciler({
    client,
    helm,
    artifacts,
    workDir: work,
    noCrossNamespaceRefs: options.noCrossNamespaceRefs,
    defaultServiceAccount: options.defaultServiceAccount,
    requeueDependencyMs: options.requeueDependencyMs,
    getHelmRelease: async (namespace, name) => informer.get(`${namespace}/${name}`),
  });
  manager.signal.addEventListener(
    'abort',
    () => {
      helm.killAll();
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
    informer: new HelmReleaseWatch(informer, charts),
    client,
  });
  const enqueue = (obj: HelmReleaseObject) => controller.queue.add(objectKey(obj));

  charts.onUpdate((oldObj: KubeObject, newObj: KubeObject) => {
    if (chartVersion(oldObj) === chartVersion(newObj)) return;
    const labels = newObj.metadata.labels ?? {};
    for (const release of informer.list()) {
      const owner =
        labels[Label.HelmName] === release.metadata.name &&
        labels[Label.HelmNamespace] === release.metadata.namespace;
      const ref = release.spec.chartRef;
      const referenced =
        ref?.kind === HelmChartKind &&
        ref.name === newObj.metadata.name &&
        (ref.namespace ?? release.metadata.namespace) === newObj.metadata.namespace;
      if (owner || referenced) enqueue(release);
    }
  });
  informer.onUpdate((oldObj, newObj) => {
    if (
      readyAt(oldObj) === readyAt(newObj) ||
      !conditions.isTrue(newObj as unknown as conditions.Conditioned, ConditionType.Ready)
    )
      return;
    for (const release of informer.list()) {
      const depends = release.spec.dependsOn?.some(
        (dep) =>
          dep.name === newObj.metadata.name &&
          (dep.namespace ?? release.metadata.namespace) === newObj.metadata.namespace,
      );
      if (depends && !conditions.isTrue(release as unknown as conditions.Conditioned, ConditionType.Ready))
        enqueue(release);
    }
  });
  return { controller, informer, helm };
}
