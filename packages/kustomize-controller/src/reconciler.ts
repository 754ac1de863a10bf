/**
 * The Kustomization reconciler, in Flux's order:
 *
 *   source      → the source's status.artifact (not there yet: Ready False ArtifactFailed, retry)
 *   dependsOn   → every dependency Ready at its latest revision (else DependencyNotReady, retry)
 *   fetch       → download, verify the digest, extract; or reuse the     (ArtifactFailed)
 *                 extraction of that digest another reconcile made
 *   build       → (build.ts) kustomization overlay, kustomize build, postBuild,
 *                 commonMetadata and owner labels                         (BuildFailed)
 *   apply       → dry-run the whole set, then staged server-side apply   (ReconciliationFailed)
 *   prune       → delete what left the inventory                         (ReconciliationFailed)
 *   health      → wait / healthChecks within spec.timeout                 (HealthCheckFailed)
 *
 * The runtime's Controller does the rest (finalizer, suspend, Reconciling, observedGeneration,
 * status patch, requeue at spec.interval, retry at spec.retryInterval).
 */
import { tmpdir } from 'node:os';
import { ConditionType, KustomizationKind, KustomizeApiVersion, Reason } from '@weft/api';
import { ArtifactCache, type CachedArtifact } from '@weft/artifact';
import {
  type Client,
  clientFromKubeconfigSecret,
  type KubeObject,
  type ObjectRef,
} from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { errorMessage } from '@weft/runtime/errors';
import { HealthCheckError } from '@weft/runtime/health';
import {
  parseDuration,
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from '@weft/runtime/reconcile';
import {
  type ApplyResult,
  type ChangeSetEntry,
  type Inventory,
  ResourceManager,
  refFromEntry,
} from '@weft/runtime/ssa';
import { buildObjects, ownerLabels } from './build.ts';
import { getSource, type SourceFinder, sourceRefOf } from './source.ts';
import type { KustomizationObject } from './types.ts';

export const FieldManager = 'kustomize-controller';

export interface KustomizationReconcilerOptions {
  /** The controller's own client (reads sources, Secrets, Kustomizations). */
  client: Client;
  /** Refuse sourceRef, dependsOn and kubeConfig-less references to other namespaces. */
  noCrossNamespaceRefs?: boolean;
  /** ServiceAccount to impersonate when spec.serviceAccountName is empty. */
  defaultServiceAccount?: string | undefined;
  /** Unset postBuild variables without a default are errors. */
  strictSubstitution?: boolean;
  /** Retry delay while dependencies or the source are not ready, without spec.retryInterval (30 s). */
  requeueDependencyMs?: number;
  /**
   * Where artifacts are extracted, default the OS temp dir. One extraction per digest is shared
   * by every Kustomization of that artifact and kept for the next interval's rebuild.
   */
  workDir?: string;
  /** Extracted artifacts kept while no reconcile uses them (default 8). */
  cachedArtifacts?: number;
  /** Poll interval of health checks (default 1 s). */
  healthPollMs?: number;
  /** Parallel API requests of one apply (default 10). */
  applyConcurrency?: number;
  /** Reads the source (the manager's cache); default: GET through the client. */
  findSource?: SourceFinder;
  /** Reads another Kustomization (the informer's cache); default: GET through the client. */
  getKustomization?: (namespace: string, name: string) => Promise<KustomizationObject | undefined>;
}

/** Millisecond durations as Flux prints them (`1.5s`). */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

export class KustomizationReconciler implements Reconciler<KustomizationObject> {
  readonly apiVersion = KustomizeApiVersion;
  readonly kind = KustomizationKind;
  readonly conditions = [ConditionType.Healthy];
  readonly #options: KustomizationReconcilerOptions;
  readonly #client: Client;
  readonly #artifacts: ArtifactCache;

  constructor(options: KustomizationReconcilerOptions) {
    this.#options = options;
    this.#client = options.client;
    this.#artifacts = new ArtifactCache({
      parent: options.workDir ?? tmpdir(),
      maxUnused: options.cachedArtifacts ?? 8,
    });
  }

  /** The shared artifact extractions (their hit counts are metrics). */
  get artifacts(): Pick<ArtifactCache, 'hits' | 'misses' | 'size'> {
    return this.#artifacts;
  }

  /** Removes the extracted artifacts (those still in use when their reconcile ends). */
  close(): Promise<void> {
    return this.#artifacts.close();
  }

  #retryDelay(obj: KustomizationObject): number {
    const retry = obj.spec.retryInterval;
    return retry ? parseDuration(retry) : (this.#options.requeueDependencyMs ?? 30_000);
  }

  #timeout(obj: KustomizationObject): number {
    return parseDuration(obj.spec.timeout ?? obj.spec.interval);
  }

  /** A failed step throws a ReconcileError whose reason the runtime puts on Ready and the event. */
  async reconcile(obj: KustomizationObject, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const namespace = obj.metadata.namespace ?? '';
    obj.status ??= {};
    const status = obj.status;

    // Source.
    const sourceRef = sourceRefOf(obj);
    if (this.#options.noCrossNamespaceRefs && sourceRef.namespace !== namespace) {
      throw new StalledError(
        Reason.AccessDenied,
        `cannot access ${sourceRef.kind}/${sourceRef.namespace}/${sourceRef.name}: cross-namespace references have been blocked`,
      );
    }
    const source = await getSource(this.#options.findSource ?? ((ref) => this.#client.find(ref)), sourceRef);
    if (!source.ready) {
      ctx.log.info({ retryInMs: this.#retryDelay(obj) }, source.message);
      return {
        requeueAfter: this.#retryDelay(obj),
        notReady: { reason: Reason.ArtifactFailed, message: source.message },
      };
    }
    const { artifact } = source;
    const revision = artifact.revision;

    // Dependencies.
    const notReady = await this.#checkDependencies(obj, revision);
    if (notReady) {
      const note = `Dependencies do not meet ready condition (${notReady}), retrying in ${seconds(this.#retryDelay(obj))}`;
      ctx.log.info(note);
      await ctx.events.record(obj, { type: 'Normal', reason: Reason.DependencyNotReady, note, revision });
      return {
        requeueAfter: this.#retryDelay(obj),
        notReady: { reason: Reason.DependencyNotReady, message: notReady },
      };
    }

    status.lastAttemptedRevision = revision;
    const timeoutMs = this.#timeout(obj);
    // Fetch (or reuse the extraction of this digest) and build; the files are read-only here.
    let fetched: CachedArtifact;
    try {
      fetched = await this.#artifacts.acquire({ url: artifact.url, digest: artifact.digest, timeoutMs });
    } catch (error) {
      throw new ReconcileError(Reason.ArtifactFailed, `failed to fetch artifact: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    let objects: KubeObject[];
    try {
      objects = await buildObjects(obj, fetched.dir, {
        client: this.#client,
        strictSubstitution: this.#options.strictSubstitution === true,
      });
    } finally {
      fetched.release();
    }

    // Apply.
    const manager = new ResourceManager(await this.#applyClient(obj), {
      fieldManager: FieldManager,
      ownerLabels: ownerLabels(obj),
      concurrency: this.#options.applyConcurrency ?? 10,
    });
    let applied: ApplyResult;
    try {
      applied = await manager.applyAll(objects, { force: obj.spec.force === true, signal: ctx.signal });
    } catch (error) {
      throw new ReconcileError(Reason.ReconciliationFailed, errorMessage(error), { cause: error });
    }
    const previousInventory = status.inventory as Inventory | undefined;
    status.inventory = applied.inventory;

    // Prune.
    let pruned: ChangeSetEntry[] = [];
    if (obj.spec.prune) {
      try {
        pruned = await manager.prune(previousInventory, applied.inventory);
      } catch (error) {
        throw new ReconcileError(Reason.ReconciliationFailed, `prune failed: ${errorMessage(error)}`, {
          cause: error,
        });
      }
    }

    const changes = [...applied.changeSet, ...pruned].filter(
      (e) => e.action === 'created' || e.action === 'configured' || e.action === 'deleted',
    );
    if (changes.length > 0) {
      await ctx.events.record(obj, {
        type: 'Normal',
        reason: Reason.Progressing,
        action: 'Apply',
        note: changes.map((e) => `${e.subject} ${e.action}`).join('\n'),
        revision,
        summary: `${changes.length} change(s)`,
      });
    }

    // Health.
    await this.#checkHealth(obj, ctx, manager, applied, {
      changed: changes.length > 0,
      newRevision: status.lastAppliedRevision !== revision,
      timeoutMs,
    });

    status.lastAppliedRevision = revision;
    const originRevision = artifact.metadata?.['org.opencontainers.image.revision'];
    if (originRevision) status.lastAppliedOriginRevision = originRevision;
    if (changes.length > 0 || previousInventory === undefined) {
      ctx.log.info({ revision, changes: changes.length }, `Applied revision: ${revision}`);
    }
    return { ready: { reason: Reason.ReconciliationSucceeded, message: `Applied revision: ${revision}` } };
  }

  /** Why the first dependency is not ready, or undefined when all are. */
  async #checkDependencies(obj: KustomizationObject, revision: string): Promise<string | undefined> {
    const namespace = obj.metadata.namespace ?? '';
    const ownSource = sourceRefOf(obj);
    for (const dep of obj.spec.dependsOn ?? []) {
      const depNamespace = dep.namespace ?? namespace;
      const subject = `${KustomizationKind}/${depNamespace}/${dep.name}`;
      if (this.#options.noCrossNamespaceRefs && depNamespace !== namespace) {
        throw new StalledError(
          Reason.AccessDenied,
          `cannot access ${subject}: cross-namespace references have been blocked`,
        );
      }
      const other = this.#options.getKustomization
        ? await this.#options.getKustomization(depNamespace, dep.name)
        : await this.#client.find<KustomizationObject>({
            apiVersion: KustomizeApiVersion,
            kind: KustomizationKind,
            namespace: depNamespace,
            name: dep.name,
          });
      if (!other) return `dependency '${subject}' not found`;
      if (!conditions.isTrue(other, ConditionType.Ready)) return `dependency '${subject}' is not ready`;
      if (other.status?.observedGeneration !== other.metadata.generation) {
        return `dependency '${subject}' is not ready`;
      }
      const otherSource = sourceRefOf(other);
      const sameSource =
        otherSource.kind === ownSource.kind &&
        otherSource.name === ownSource.name &&
        otherSource.namespace === ownSource.namespace;
      if (sameSource && other.status?.lastAppliedRevision !== revision) {
        return `dependency '${subject}' revision is not up to date`;
      }
    }
    return undefined;
  }

  /** The client objects are applied with: another cluster, and/or a tenant's ServiceAccount. */
  async #applyClient(obj: KustomizationObject): Promise<Client> {
    const namespace = obj.metadata.namespace ?? '';
    let client = this.#client;
    const kubeConfig = obj.spec.kubeConfig;
    if (kubeConfig) {
      try {
        client = await clientFromKubeconfigSecret(this.#client, {
          namespace,
          name: kubeConfig.secretRef.name,
          key: kubeConfig.secretRef.key,
        });
      } catch (error) {
        throw new ReconcileError(Reason.ReconciliationFailed, `kubeconfig: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      client = client.withFieldManager(FieldManager);
    }
    const serviceAccount = obj.spec.serviceAccountName || this.#options.defaultServiceAccount;
    if (serviceAccount) client = client.impersonate({ namespace, name: serviceAccount });
    return client;
  }

  async #checkHealth(
    obj: KustomizationObject,
    ctx: ReconcileContext,
    manager: ResourceManager,
    applied: ApplyResult,
    why: { changed: boolean; newRevision: boolean; timeoutMs: number },
  ): Promise<void> {
    let refs: ObjectRef[];
    if (obj.spec.wait) {
      refs = applied.changeSet.filter((e) => e.action !== 'skipped').map((e) => e.ref);
    } else {
      refs = (obj.spec.healthChecks ?? []).map((check) => {
        if (!check.apiVersion) {
          throw new ReconcileError(
            Reason.HealthCheckFailed,
            `healthChecks: ${check.kind}/${check.name} needs an apiVersion`,
          );
        }
        return {
          apiVersion: check.apiVersion,
          kind: check.kind,
          name: check.name,
          namespace: check.namespace ?? obj.metadata.namespace,
        };
      });
    }
    if (refs.length === 0) {
      conditions.removeCondition(obj, ConditionType.Healthy);
      return;
    }
    // Flux checks again only when something changed or the last check did not pass.
    if (!why.changed && !why.newRevision && conditions.isTrue(obj, ConditionType.Healthy)) return;
    const started = Date.now();
    try {
      await manager.wait(refs, {
        timeoutMs: why.timeoutMs,
        intervalMs: this.#options.healthPollMs ?? 1000,
        signal: ctx.signal,
      });
    } catch (error) {
      const text =
        error instanceof HealthCheckError ? error.message : `health check failed: ${errorMessage(error)}`;
      conditions.markFalse(obj, ConditionType.Healthy, Reason.HealthCheckFailed, text, ctx.now);
      throw new ReconcileError(Reason.HealthCheckFailed, text, { cause: error });
    }
    conditions.markTrue(
      obj,
      ConditionType.Healthy,
      Reason.Succeeded,
      `Health check passed in ${seconds(Date.now() - started)}`,
      ctx.now,
    );
  }

  /** Deletes what the Kustomization applied, as spec.deletionPolicy says. */
  async finalize(obj: KustomizationObject, ctx: ReconcileContext): Promise<void> {
    const policy = obj.spec.deletionPolicy ?? 'MirrorPrune';
    const inventory = obj.status?.inventory;
    if (!inventory || inventory.entries.length === 0) return;
    const mirror = policy === 'MirrorPrune';
    if (policy === 'Orphan' || (mirror && !obj.spec.prune)) {
      ctx.log.info({ policy }, 'leaving the applied objects in place');
      return;
    }
    const manager = new ResourceManager(await this.#applyClient(obj), {
      fieldManager: FieldManager,
      ownerLabels: ownerLabels(obj),
    });
    const deleted = await manager.deleteAll(inventory.entries);
    if (deleted.some((e) => e.action === 'deleted')) {
      await ctx.events.record(obj, {
        type: 'Normal',
        reason: 'Pruned',
        action: 'Delete',
        note: deleted
          .filter((e) => e.action === 'deleted')
          .map((e) => `${e.subject} deleted`)
          .join('\n'),
      });
    }
    if (policy === 'WaitForTermination') {
      await manager.waitForDeletion(inventory.entries.map(refFromEntry), { timeoutMs: this.#timeout(obj) });
    }
  }
}
