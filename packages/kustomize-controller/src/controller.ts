/**
 * Wires the Kustomization reconciler into a runtime Manager: an informer of Kustomizations, one
 * of each source kind (a new artifact revision re-queues the Kustomizations that use it), and the
 * dependents of a Kustomization re-queued when it becomes Ready at a new revision.
 */
import { ConditionType, KustomizationKind, KustomizeApiVersion, SourceApiVersion } from '@weft/api';
import { type Client, isRecord, type KubeObject, objectKey } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { Informer } from '@weft/runtime/informer';
import type { Manager } from '@weft/runtime/manager';
import type { Controller, InformerLike } from '@weft/runtime/reconcile';
import { registerCacheMetrics } from './metrics.ts';
import { FieldManager, KustomizationReconciler, type KustomizationReconcilerOptions } from './reconciler.ts';
import { sourceKinds, sourceRefOf } from './source.ts';
import type { KustomizationObject } from './types.ts';

export interface KustomizeControllerOptions
  extends Omit<KustomizationReconcilerOptions, 'client' | 'getKustomization'> {
  manager: Manager;
  /** The controller's client; its field manager is replaced by `kustomize-controller`. */
  client: Client;
  /** Watch one namespace only (default: all). */
  namespace?: string | undefined;
  /** `--watch-label-selector`. */
  labelSelector?: string | undefined;
}

export interface KustomizeController {
  controller: Controller<KustomizationObject>;
  informer: Informer<KustomizationObject>;
  reconciler: KustomizationReconciler;
}

function artifactVersion(obj: KubeObject | undefined): string | undefined {
  const status = isRecord(obj?.status) ? obj.status : {};
  const artifact = isRecord(status.artifact) ? status.artifact : {};
  return typeof artifact.digest === 'string' ? `${String(artifact.revision)} ${artifact.digest}` : undefined;
}

function readyAt(obj: KustomizationObject): string {
  return `${conditions.isTrue(obj, ConditionType.Ready)} ${obj.status?.lastAppliedRevision ?? ''}`;
}

/**
 * The Kustomization informer plus the source informers, started and stopped together. Synced
 * means the Kustomizations are in the cache; a source kind whose CRD is not installed keeps
 * retrying in the background without holding the controller back.
 */
class KustomizationWatch implements InformerLike<KustomizationObject> {
  readonly #main: Informer<KustomizationObject>;
  readonly #sources: Informer[];
  constructor(main: Informer<KustomizationObject>, sources: Informer[]) {
    this.#main = main;
    this.#sources = sources;
  }
  onAdd(handler: (obj: KustomizationObject) => void): unknown {
    return this.#main.onAdd(handler);
  }
  onUpdate(handler: (oldObj: KustomizationObject, newObj: KustomizationObject) => void): unknown {
    return this.#main.onUpdate(handler);
  }
  onDelete(handler: (obj: KustomizationObject) => void): unknown {
    return this.#main.onDelete(handler);
  }
  get hasSynced(): boolean {
    return this.#main.hasSynced;
  }
  get(key: string): KustomizationObject | undefined {
    return this.#main.get(key);
  }
  async start(signal?: AbortSignal): Promise<void> {
    for (const source of this.#sources) void source.start(signal).catch(() => {});
    await this.#main.start(signal);
  }
  async stop(): Promise<void> {
    await Promise.all([this.#main.stop(), ...this.#sources.map((s) => s.stop())]);
  }
}

/** Registers the Kustomization controller with a manager (before `manager.start()`). */
export function addKustomizeController(options: KustomizeControllerOptions): KustomizeController {
  const { manager } = options;
  const client = options.client.withFieldManager(FieldManager);
  const informer = new Informer<KustomizationObject>(client, {
    apiVersion: KustomizeApiVersion,
    kind: KustomizationKind,
    namespace: options.namespace,
    labelSelector: options.labelSelector,
  });
  const sourceInformers = sourceKinds.map(
    (kind) => new Informer(client, { apiVersion: SourceApiVersion, kind, namespace: options.namespace }),
  );
  const reconciler = new KustomizationReconciler({
    ...options,
    client,
    getKustomization: async (namespace, name) => informer.get(`${namespace}/${name}`),
  });
  registerCacheMetrics(manager.registry, reconciler);
  // The manager aborts its signal once the queues have drained: the extractions can go.
  manager.signal.addEventListener('abort', () => void reconciler.close().catch(() => undefined), {
    once: true,
  });
  const controller = manager.addController<KustomizationObject>({
    name: 'kustomization',
    reconciler,
    informer: new KustomizationWatch(informer, sourceInformers),
    client,
  });

  const enqueue = (obj: KustomizationObject) => controller.queue.add(objectKey(obj));
  for (const sourceInformer of sourceInformers) {
    const onSourceChange = (oldObj: KubeObject | undefined, newObj: KubeObject) => {
      const version = artifactVersion(newObj);
      if (version === undefined || version === artifactVersion(oldObj)) return;
      for (const ks of informer.list()) {
        const ref = sourceRefOf(ks);
        if (
          ref.kind === newObj.kind &&
          ref.name === newObj.metadata.name &&
          ref.namespace === newObj.metadata.namespace
        ) {
          enqueue(ks);
        }
      }
    };
    sourceInformer.onUpdate(onSourceChange);
  }
  informer.onUpdate((oldObj, newObj) => {
    if (readyAt(oldObj) === readyAt(newObj) || !conditions.isTrue(newObj, ConditionType.Ready)) return;
    for (const ks of informer.list()) {
      const depends = ks.spec.dependsOn?.some(
        (dep) =>
          dep.name === newObj.metadata.name &&
          (dep.namespace ?? ks.metadata.namespace) === newObj.metadata.namespace,
      );
      if (depends && !conditions.isTrue(ks, ConditionType.Ready)) enqueue(ks);
    }
  });
  return { controller, informer, reconciler };
}
