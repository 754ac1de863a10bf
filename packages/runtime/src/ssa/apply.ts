/**
 * The apply half of the apply engine (see manager.ts): plans a set of objects against the live
 * cluster and applies it in stages.
 *
 * Order of work in `applyAll`:
 * 1. plan every object whose kind and namespace exist: read the live object; skip it when
 *    applying would change nothing (see compare.ts); otherwise dry-run apply it, which both
 *    validates it and tells whether it would change anything. Any error → nothing is applied and
 *    the ApplyError lists every failing object.
 * 2. apply the cluster definitions (CRDs, Namespaces, ClusterRoles), wait for CRDs to be
 *    Established, plan the objects that needed them, then apply `*Class` kinds, then the rest.
 */
import { Annotation, AnnotationValue } from '@weft/api';
import type { Client } from '../client/client.ts';
import { InvalidError, isNotFound, NoKindMatchError } from '../client/errors.ts';
import { describeObject, type KubeObject, parseApiVersion } from '../client/types.ts';
import { waitForHealthy } from '../health/wait.ts';
import { sleep } from '../retry/index.ts';
import { isUnchangedByApply, sameObject } from './compare.ts';
import { ApplyError, type ObjectError } from './errors.ts';
import { withIgnoredFields } from './ignore.ts';
import { type Inventory, inventoryOf, objectId } from './inventory.ts';
import { mapLimit } from './map-limit.ts';
import { annotation, describeApplyError, refOf } from './object.ts';
import { isCrd, kindsDefinedBy, Stage, stageOf } from './stages.ts';
import { takeoverPatch } from './takeover.ts';
import type { ApplyAllOptions, ApplyPlan, ApplyResult, ChangeSetEntry } from './types.ts';
import { DeletionTimeoutError, waitForDeletion } from './wait.ts';

/** From this many objects of one kind in one namespace, one list is cheaper than a get each. */
const listThreshold = 20;

const inventoryIds = new WeakMap<Inventory, Set<string>>();

/** Is the object probably new: not in the last apply's inventory (or there was none)? */
function probablyNew(inventory: Inventory | null | undefined, obj: KubeObject): boolean {
  if (inventory === undefined) return false;
  if (inventory === null) return true;
  let ids = inventoryIds.get(inventory);
  if (!ids) {
    ids = new Set(inventory.entries.map((entry) => entry.id));
    inventoryIds.set(inventory, ids);
  }
  return !ids.has(objectId(obj));
}

export class Applier {
  readonly #client: Client;
  readonly #fieldManager: string;
  readonly #concurrency: number;

  constructor(client: Client, fieldManager: string, concurrency: number) {
    this.#client = client;
    this.#fieldManager = fieldManager;
    this.#concurrency = concurrency;
  }

  /** Applies a set of objects in stages; see the module comment. */
  async applyAll(objects: KubeObject[], options: ApplyAllOptions = {}): Promise<ApplyResult> {
    const definedKinds = kindsDefinedBy(objects);
    const errors: ObjectError[] = [];
    const fail = (obj: KubeObject, err: unknown): void => {
      errors.push({
        id: objectId(obj),
        subject: describeObject(obj),
        message: describeApplyError(err),
        cause: err,
      });
    };

    // Normalise: cluster-scoped objects lose a namespace, namespaced ones must have one.
    const seen = new Set<string>();
    const ready: KubeObject[] = [];
    const deferred: KubeObject[] = [];
    await mapLimit(objects, this.#concurrency, async (obj) => {
      if (!obj.metadata.name) return fail(obj, new Error('metadata.name is required'));
      const mapping = await this.#client.discovery
        .tryResolve(obj.apiVersion, obj.kind)
        .catch((err: unknown) => {
          fail(obj, err);
          return null;
        });
      if (mapping === null) return;
      if (!mapping) {
        if (definedKinds.has(`${parseApiVersion(obj.apiVersion).group}/${obj.kind}`)) deferred.push(obj);
        else fail(obj, new NoKindMatchError(obj.apiVersion, obj.kind));
        return;
      }
      if (!mapping.namespaced && obj.metadata.namespace) {
        obj = { ...obj, metadata: { ...obj.metadata } };
        delete obj.metadata.namespace;
      }
      if (mapping.namespaced && !obj.metadata.namespace) {
        return fail(obj, new Error('namespace not specified for a namespaced kind'));
      }
      ready.push(obj);
    });
    for (const obj of [...ready, ...deferred]) {
      const id = objectId(obj);
      if (seen.has(id)) fail(obj, new Error('duplicate object in the set'));
      seen.add(id);
    }

    // Objects in a Namespace this set creates cannot be dry-run before it exists.
    const stage0 = ready.filter((o) => stageOf(o) === Stage.ClusterDefinitions);
    const plans = new Map<KubeObject, ApplyPlan>();
    await this.#planAll(stage0, plans, fail, options);
    const newNamespaces = new Set(
      stage0
        .filter((o) => o.kind === 'Namespace' && plans.get(o)?.action === 'created')
        .map((o) => o.metadata.name),
    );
    const later: KubeObject[] = [];
    for (const obj of ready) {
      if (stageOf(obj) === Stage.ClusterDefinitions) continue;
      if (obj.metadata.namespace && newNamespaces.has(obj.metadata.namespace)) deferred.push(obj);
      else later.push(obj);
    }
    await this.#planAll(later, plans, fail, options);
    if (errors.length > 0) throw new ApplyError('validation', errors);

    const changeSet: ChangeSetEntry[] = [];
    await this.#execute(stage0, plans, changeSet, fail, options);
    if (errors.length > 0) throw new ApplyError('apply', errors);
    await this.#waitForCrds(stage0.filter(isCrd), options);
    await this.#waitForKinds(deferred, options);

    if (deferred.length > 0) {
      await this.#planAll(deferred, plans, fail, options);
      if (errors.length > 0) throw new ApplyError('validation', errors);
    }
    for (const stage of [Stage.ClusterDefinitions, Stage.Classes, Stage.Resources]) {
      const batch = [...later, ...deferred].filter((o) => stageOf(o) === stage);
      await this.#execute(batch, plans, changeSet, fail, options);
      if (errors.length > 0) throw new ApplyError('apply', errors);
    }
    const applied = [...plans.values()].map((p) => p.obj);
    return { changeSet, inventory: inventoryOf(applied) };
  }

  /**
   * Plans one object: what applying it would do (or why it is skipped). Throws on invalid
   * objects. `known` is the live object when the caller already read it (null: it does not exist).
   */
  async plan(obj: KubeObject, options: ApplyAllOptions = {}, known?: KubeObject | null): Promise<ApplyPlan> {
    const ssa = annotation(obj, Annotation.KustomizeSSA);
    if (ssa === AnnotationValue.SSAIgnore)
      return { obj, action: 'skipped', message: `${Annotation.KustomizeSSA}: Ignore` };
    if (known === undefined && probablyNew(options.inventory, obj)) {
      const created = await this.#planNew(obj, options);
      if (created) return created;
    }
    const live =
      known === undefined ? await this.#client.find(refOf(obj), options.signal) : (known ?? undefined);
    if (options.ignoredPaths) obj = withIgnoredFields(obj, live, options.ignoredPaths(obj));
    if (
      annotation(obj, Annotation.KustomizeReconcile) === AnnotationValue.Disabled ||
      annotation(live, Annotation.KustomizeReconcile) === AnnotationValue.Disabled
    ) {
      return { obj, action: 'skipped', message: `${Annotation.KustomizeReconcile}: disabled` };
    }
    if (live && ssa === AnnotationValue.SSAIfNotPresent) {
      return {
        obj,
        action: 'skipped',
        message: `${Annotation.KustomizeSSA}: IfNotPresent and the object exists`,
      };
    }
    // Override (the default): kubectl's fields become ours, so what it changed or added is undone.
    const takeover =
      live && ssa !== AnnotationValue.SSAMerge ? takeoverPatch(live, obj, this.#fieldManager) : undefined;
    if (live && !takeover && isUnchangedByApply(obj, live, this.#fieldManager)) {
      return { obj, action: 'unchanged', live };
    }
    try {
      const dryRun = await this.#client.apply(obj, {
        fieldManager: this.#fieldManager,
        force: true,
        dryRun: true,
        signal: options.signal,
      });
      if (!live) return { obj, action: 'created', recreate: false };
      if (takeover) return { obj, action: 'configured', recreate: false, takeover };
      return sameObject(dryRun, live)
        ? { obj, action: 'unchanged', live }
        : { obj, action: 'configured', recreate: false };
    } catch (err) {
      if (live && err instanceof InvalidError && err.immutable) {
        if (options.force) return { obj, action: 'configured', recreate: true };
        throw new Error(
          `${describeApplyError(err)}; the object must be recreated to change it: set force to delete and recreate it`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  /**
   * The plan of an object that is probably new, from its dry-run alone: created when the answer
   * has no resourceVersion (nothing stored). Undefined when it exists after all, or when the
   * dry-run fails (the usual plan then reads it and says why).
   */
  async #planNew(obj: KubeObject, options: ApplyAllOptions): Promise<ApplyPlan | undefined> {
    if (annotation(obj, Annotation.KustomizeReconcile) === AnnotationValue.Disabled) return undefined;
    try {
      const dryRun = await this.#client.apply(obj, {
        fieldManager: this.#fieldManager,
        force: true,
        dryRun: true,
        signal: options.signal,
      });
      return dryRun.metadata.resourceVersion ? undefined : { obj, action: 'created', recreate: false };
    } catch {
      return undefined;
    }
  }

  async #planAll(
    objects: KubeObject[],
    plans: Map<KubeObject, ApplyPlan>,
    fail: (obj: KubeObject, err: unknown) => void,
    options: ApplyAllOptions,
  ): Promise<void> {
    const live = await this.#readLive(objects, options);
    await mapLimit(objects, this.#concurrency, async (obj) => {
      try {
        plans.set(obj, await this.plan(obj, options, live.get(objectId(obj))));
      } catch (err) {
        fail(obj, err);
      }
    });
  }

  async #execute(
    objects: KubeObject[],
    plans: Map<KubeObject, ApplyPlan>,
    changeSet: ChangeSetEntry[],
    fail: (obj: KubeObject, err: unknown) => void,
    options: ApplyAllOptions,
  ): Promise<void> {
    const entries = await mapLimit(
      objects,
      this.#concurrency,
      async (obj): Promise<ChangeSetEntry | undefined> => {
        const plan = plans.get(obj);
        if (!plan) return undefined;
        const entry: ChangeSetEntry = {
          id: objectId(obj),
          subject: describeObject(obj),
          action: plan.action,
          ref: refOf(obj),
        };
        if (plan.action === 'skipped') entry.message = plan.message;
        if (plan.action === 'unchanged' && plan.live) entry.object = plan.live;
        if (plan.action !== 'created' && plan.action !== 'configured') return entry;
        try {
          if (plan.recreate) {
            await this.#deleteAndWait(obj, options);
            entry.message = 'recreated: an immutable field changed';
          } else if (plan.takeover) {
            await this.#client.patch(refOf(obj), plan.takeover, {
              fieldManager: this.#fieldManager,
              signal: options.signal,
            });
          }
          entry.object = await this.#client.apply(plan.obj, {
            fieldManager: this.#fieldManager,
            force: true,
            signal: options.signal,
          });
          return entry;
        } catch (err) {
          fail(obj, err);
          return undefined;
        }
      },
    );
    for (const entry of entries) if (entry) changeSet.push(entry);
  }

  async #deleteAndWait(obj: KubeObject, options: ApplyAllOptions): Promise<void> {
    const ref = refOf(obj);
    await this.#client.delete(ref, { propagationPolicy: 'Foreground' }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    await waitForDeletion(this.#client, [ref], {
      timeoutMs: options.waitTimeoutMs ?? 60_000,
      intervalMs: 200,
      ...(options.signal ? { signal: options.signal } : {}),
    }).catch((err: unknown) => {
      if (!(err instanceof DeletionTimeoutError)) throw err;
      throw new Error(`${describeObject(obj)} was not deleted in time for its recreation`, { cause: err });
    });
  }

  /**
   * Reads the live objects of large groups (same kind and namespace) with one list instead of one
   * get per object; smaller groups are read one by one in `plan`. Returns id → object, or null
   * for objects the list says do not exist.
   */
  async #readLive(objects: KubeObject[], options: ApplyAllOptions): Promise<Map<string, KubeObject | null>> {
    const groups = new Map<string, KubeObject[]>();
    for (const obj of objects) {
      const key = `${obj.apiVersion}|${obj.kind}|${obj.metadata.namespace ?? ''}`;
      const group = groups.get(key) ?? [];
      group.push(obj);
      groups.set(key, group);
    }
    const live = new Map<string, KubeObject | null>();
    for (const group of groups.values()) {
      if (group.length < listThreshold) continue;
      const first = group[0] as KubeObject;
      const list = await this.#client
        .list({
          apiVersion: first.apiVersion,
          kind: first.kind,
          namespace: first.metadata.namespace,
          signal: options.signal,
        })
        .catch(() => undefined); // e.g. no list permission: fall back to gets
      if (!list) continue;
      const byId = new Map(list.items.map((item) => [objectId(item), item]));
      for (const obj of group) live.set(objectId(obj), byId.get(objectId(obj)) ?? null);
    }
    return live;
  }

  /** An Established CRD shows up in discovery a moment later; wait for each kind the set needs. */
  async #waitForKinds(objects: KubeObject[], options: ApplyAllOptions): Promise<void> {
    const deadline = Date.now() + (options.waitTimeoutMs ?? 60_000);
    const kinds = new Map(objects.map((o) => [`${o.apiVersion}/${o.kind}`, o]));
    for (const obj of kinds.values()) {
      while (!(await this.#client.discovery.tryResolve(obj.apiVersion, obj.kind))) {
        if (Date.now() > deadline || options.signal?.aborted)
          throw new NoKindMatchError(obj.apiVersion, obj.kind);
        await sleep(250, options.signal);
      }
    }
  }

  async #waitForCrds(crds: KubeObject[], options: ApplyAllOptions): Promise<void> {
    if (crds.length === 0) return;
    await waitForHealthy(this.#client, crds.map(refOf), {
      timeoutMs: options.waitTimeoutMs ?? 60_000,
      intervalMs: 250,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
}
