/**
 * Adds the Kustomization controller to a runtime Manager. Everything it watches comes from the
 * manager's cache, each kind once per process:
 *
 * - Kustomizations (the controller's own informer, in the watched namespace and shard);
 * - GitRepository, OCIRepository, Bucket: a new `status.artifact` reconciles at once the
 *   Kustomizations whose `sourceRef` names it, found through an index by source, and the
 *   reconciler reads the source from this cache instead of a GET;
 * - ConfigMaps and Secrets labelled `reconcile.weft.dev/watch: Enabled`, metadata only: a change
 *   reconciles the Kustomizations whose `postBuild.substituteFrom` names it (their data is still
 *   read with a GET when building, so the cache holds no Secret values);
 * - a Kustomization becoming Ready at a new revision, or a HelmRelease becoming Ready, reconciles
 *   its not-ready dependents (`dependsOn`, through an index by dependency); the reconciler reads
 *   dependencies from these caches. HelmReleases are watched without holding the controller back
 *   when their CRD is not installed (no helm-controller): until synced they are read with a GET.
 */
import {
  ConditionType,
  HelmApiVersion,
  HelmReleaseKind,
  KustomizationKind,
  KustomizeApiVersion,
  Label,
  ReconcileWatchEnabled,
  SourceApiVersion,
} from '@weft/api';
import { type CacheKind, cacheKind, ObjectIndex } from '@weft/runtime/cache';
import { type Client, isRecord, type KubeObject, type ObjectRef } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import type { Informer } from '@weft/runtime/informer';
import { type Manager, shardScope, watchNamespace } from '@weft/runtime/manager';
import type { Controller } from '@weft/runtime/reconcile';
import { type DependencyRef, dependencyKey, dependencyRefOf } from './dependencies.ts';
import { registerCacheMetrics, stepMetric } from './metrics.ts';
import { FieldManager, KustomizationReconciler, type KustomizationReconcilerOptions } from './reconciler.ts';
import { sourceKinds, sourceRefOf } from './source.ts';
import type { KustomizationObject } from './types.ts';

export interface KustomizeControllerOptions
  extends Omit<KustomizationReconcilerOptions, 'client' | 'findDependency' | 'findSource'> {
  /** The controller's client; default the manager's. Its field manager becomes `kustomize-controller`. */
  client?: Client;
}

export interface KustomizeController {
  controller: Controller<KustomizationObject>;
  informer: Informer<KustomizationObject>;
  reconciler: KustomizationReconciler;
}

const kustomizations = cacheKind<KustomizationObject>(KustomizeApiVersion, KustomizationKind);

function artifactVersion(obj: KubeObject | undefined): string | undefined {
  const status = isRecord(obj?.status) ? obj.status : {};
  const artifact = isRecord(status.artifact) ? status.artifact : {};
  return typeof artifact.digest === 'string' ? `${String(artifact.revision)} ${artifact.digest}` : undefined;
}

/** What a dependent waits for: Ready, at a revision (Kustomization) or a generation (HelmRelease). */
function readyAt(obj: KubeObject): string {
  const status = isRecord(obj.status) ? obj.status : {};
  const ready = conditions.isTrue(obj as unknown as conditions.Conditioned, ConditionType.Ready);
  return `${ready} ${String(status.lastAppliedRevision ?? '')} ${String(status.observedGeneration ?? '')}`;
}

const refKey = (kind: string, namespace: string | undefined, name: string | undefined) =>
  `${kind}/${namespace ?? ''}/${name ?? ''}`;

/** Only what a watch needs to see a change: the cache holds no ConfigMap data nor Secret values. */
function metadataOnly(obj: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, labels } = obj.metadata;
  const metadata: KubeObject['metadata'] = {};
  if (name !== undefined) metadata.name = name;
  if (namespace !== undefined) metadata.namespace = namespace;
  if (uid !== undefined) metadata.uid = uid;
  if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
  if (labels !== undefined) metadata.labels = labels;
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata };
}

/** Registers the Kustomization controller with a manager (before `manager.start()`). */
export function addKustomizeController(
  manager: Manager,
  options: KustomizeControllerOptions = {},
): KustomizeController {
  const client = (options.client ?? manager.client(FieldManager)).withFieldManager(FieldManager);
  const namespace = watchNamespace(manager.flags);
  // A source kind whose CRD is not installed keeps retrying in the background without holding
  // the controller back; until it has synced the reconciler reads that kind with a GET.
  const sources = new Map<string, { kind: CacheKind; informer: Informer }>(
    sourceKinds.map((kind) => {
      const sourceKind = cacheKind(SourceApiVersion, kind);
      return [
        kind,
        { kind: sourceKind, informer: manager.cache.informer(sourceKind, { namespace, waitForSync: false }) },
      ];
    }),
  );
  const findSource = async (ref: ObjectRef & { namespace: string }): Promise<KubeObject | undefined> => {
    const source = sources.get(ref.kind);
    if (source && ref.apiVersion === SourceApiVersion && source.informer.hasSynced) {
      return source.informer.get(`${ref.namespace}/${ref.name}`);
    }
    return client.find(ref);
  };
  const informer = manager.cache.informer(kustomizations, shardScope(manager.flags));
  const helmReleases = manager.cache.informer(cacheKind(HelmApiVersion, HelmReleaseKind), {
    namespace,
    waitForSync: false,
  });
  const findDependency = async (ref: DependencyRef): Promise<KubeObject | undefined> => {
    const key = `${ref.namespace}/${ref.name}`;
    if (ref.kind === KustomizationKind && ref.apiVersion === KustomizeApiVersion) return informer.get(key);
    if (ref.kind === HelmReleaseKind && ref.apiVersion === HelmApiVersion && helmReleases.hasSynced)
      return helmReleases.get(key);
    return client.find(ref);
  };
  const reconciler = new KustomizationReconciler({
    ...options,
    client,
    findSource,
    findDependency,
    observeStep: options.observeStep ?? stepMetric(manager.registry),
  });
  registerCacheMetrics(manager.registry, reconciler);
  // The manager aborts its signal once the queues have drained: the extractions can go.
  manager.signal.addEventListener('abort', () => void reconciler.close().catch(() => undefined), {
    once: true,
  });
  const controller = manager.addController<KustomizationObject>({
    name: 'kustomization',
    reconciler,
    informer,
    client,
  });

  const bySource = new ObjectIndex(informer, (ks) => {
    const ref = sourceRefOf(ks);
    return [refKey(ref.kind, ref.namespace, ref.name)];
  });
  for (const [kind, source] of sources) {
    controller.watches(source.informer, (obj, oldObj) => {
      const version = artifactVersion(obj);
      if (version === undefined || version === artifactVersion(oldObj)) return [];
      return bySource.keys(refKey(kind, obj.metadata.namespace, obj.metadata.name));
    });
  }

  const bySubstitution = new ObjectIndex(informer, (ks) =>
    (ks.spec.postBuild?.substituteFrom ?? []).map((ref) => refKey(ref.kind, ks.metadata.namespace, ref.name)),
  );
  for (const kind of ['ConfigMap', 'Secret']) {
    const watched = manager.cache.informer(cacheKind('v1', kind), {
      namespace,
      labelSelector: `${Label.ReconcileWatch}=${ReconcileWatchEnabled}`,
      transform: metadataOnly,
    });
    controller.watches(watched, (obj, oldObj) => {
      if (oldObj?.metadata.resourceVersion === obj.metadata.resourceVersion) return [];
      return bySubstitution.keys(refKey(kind, obj.metadata.namespace, obj.metadata.name));
    });
  }

  const byDependency = new ObjectIndex(informer, (ks) =>
    (ks.spec.dependsOn ?? []).map((dep) => dependencyKey(dependencyRefOf(ks, dep))),
  );
  const enqueueDependents = (kind: string) => (obj: KubeObject, oldObj: KubeObject | undefined) => {
    if (
      !oldObj ||
      readyAt(oldObj) === readyAt(obj) ||
      !conditions.isTrue(obj as unknown as conditions.Conditioned, ConditionType.Ready)
    )
      return [];
    const key = dependencyKey({
      kind,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name ?? '',
    });
    return byDependency.keys(key).filter((dependentKey) => {
      const dependent = informer.get(dependentKey);
      return dependent !== undefined && !conditions.isTrue(dependent, ConditionType.Ready);
    });
  };
  controller.watches(informer, enqueueDependents(KustomizationKind));
  controller.watches(helmReleases, enqueueDependents(HelmReleaseKind));
  return { controller, informer, reconciler };
}
