/**
 * The Kustomization reconciler, in Flux's order:
 *
 *   source      → the source's status.artifact (not there yet: Ready False ArtifactFailed, retry)
 *   dependsOn   → (dependencies.ts) every Kustomization or HelmRelease it depends on Ready
 *                 (a Kustomization of the same source at this revision)  (DependencyNotReady, retry)
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
import { type Client, clientFromKubeconfigSecret, type KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
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
import { BuildCache } from './build-cache.ts';
import { checkDependencies, type DependencyFinder } from './dependencies.ts';
import { driftIgnoredPaths } from './drift-ignore.ts';
import { kustomizationFields } from './fields.ts';
import { checkHealth, seconds } from './health.ts';
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
  /** Reads a dependsOn dependency (the manager's cache); default: GET through the client. */
  findDependency?: DependencyFinder;
  /** Told how long each step of a reconcile took (a metric: where the time goes). */
  observeStep?: (step: ReconcileStep, seconds: number) => void;
}

/** The steps of a reconcile, as the module comment lists them. */
export type ReconcileStep = 'source' | 'fetch' | 'build' | 'apply' | 'prune' | 'health';

export class KustomizationReconciler implements Reconciler<KustomizationObject> {
  readonly apiVersion = KustomizeApiVersion;
  readonly kind = KustomizationKind;
  readonly fields = kustomizationFields;
  readonly conditions = [ConditionType.Healthy];
  readonly #options: KustomizationReconcilerOptions;
  readonly #client: Client;
  readonly #artifacts: ArtifactCache;
  /** Builds of the same extraction, path and settings (Kustomizations of one artifact). */
  readonly #builds = new BuildCache();

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

  /** Runs one step and reports its duration (also when it fails). */
  async #step<R>(step: ReconcileStep, work: () => Promise<R>): Promise<R> {
    const observe = this.#options.observeStep;
    if (!observe) return work();
    const started = performance.now();
    try {
      return await work();
    } finally {
      observe(step, (performance.now() - started) / 1000);
    }
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
    const source = await this.#step('source', () =>
      getSource(this.#options.findSource ?? ((ref) => this.#client.find(ref)), sourceRef),
    );
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
    const notReady = await checkDependencies(
      obj,
      revision,
      this.#options.findDependency ?? ((ref) => this.#client.find(ref)),
      this.#options.noCrossNamespaceRefs === true,
    );
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
      fetched = await this.#step('fetch', () =>
        this.#artifacts.acquire({ url: artifact.url, digest: artifact.digest, timeoutMs }),
      );
    } catch (error) {
      throw new ReconcileError(Reason.ArtifactFailed, `failed to fetch artifact: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    let objects: KubeObject[];
    try {
      objects = await this.#step('build', () =>
        buildObjects(obj, fetched.dir, {
          client: this.#client,
          strictSubstitution: this.#options.strictSubstitution === true,
          cache: this.#builds,
        }),
      );
    } finally {
      fetched.release();
    }

    // Apply.
    const manager = new ResourceManager(await this.#applyClient(obj), {
      fieldManager: FieldManager,
      ownerLabels: ownerLabels(obj),
      concurrency: this.#options.applyConcurrency ?? 10,
    });
    const ignoredPaths = driftIgnoredPaths(obj);
    let applied: ApplyResult;
    try {
      applied = await this.#step('apply', () =>
        manager.applyAll(objects, {
          force: obj.spec.force === true,
          signal: ctx.signal,
          // What is not in the last inventory is planned as new, without reading it first.
          inventory: (status.inventory as Inventory | undefined) ?? null,
          ...(ignoredPaths === undefined ? {} : { ignoredPaths }),
        }),
      );
    } catch (error) {
      throw new ReconcileError(Reason.ReconciliationFailed, errorMessage(error), { cause: error });
    }
    const previousInventory = status.inventory as Inventory | undefined;
    status.inventory = applied.inventory;

    // Prune.
    let pruned: ChangeSetEntry[] = [];
    if (obj.spec.prune) {
      try {
        pruned = await this.#step('prune', () => manager.prune(previousInventory, applied.inventory));
      } catch (error) {
        throw new ReconcileError(Reason.ReconciliationFailed, `prune failed: ${errorMessage(error)}`, {
          cause: error,
        });
      }
    }

    const changes = [...applied.changeSet, ...pruned].filter(
      (e) => e.action === 'created' || e.action === 'configured' || e.action === 'deleted',
    );
    // Written while the health check waits (outside a worker: one round trip less in the slot),
    // and awaited before the reconcile ends, so it is still recorded before the status says Ready.
    // `record` never rejects.
    const recorded =
      changes.length > 0
        ? ctx.events.record(obj, {
            type: 'Normal',
            reason: Reason.Progressing,
            action: 'Apply',
            note: changes.map((e) => `${e.subject} ${e.action}`).join('\n'),
            revision,
            summary: `${changes.length} change(s)`,
          })
        : undefined;

    // Health.
    // Waiting for what other controllers roll out needs no worker: another Kustomization
    // starts meanwhile (--concurrent bounds the reconciles doing work).
    const assessHealth = () =>
      checkHealth(obj, ctx, manager, applied, {
        changed: changes.length > 0,
        newRevision: status.lastAppliedRevision !== revision,
        timeoutMs,
        pollMs: this.#options.healthPollMs ?? 1000,
      });
    try {
      await this.#step('health', () => (ctx.waiting ? ctx.waiting(assessHealth) : assessHealth()));
    } finally {
      await recorded;
    }

    status.lastAppliedRevision = revision;
    const originRevision = artifact.metadata?.['org.opencontainers.image.revision'];
    if (originRevision) status.lastAppliedOriginRevision = originRevision;
    if (changes.length > 0 || previousInventory === undefined) {
      ctx.log.info({ revision, changes: changes.length }, `Applied revision: ${revision}`);
    }
    return { ready: { reason: Reason.ReconciliationSucceeded, message: `Applied revision: ${revision}` } };
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
