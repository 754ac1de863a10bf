/**
 * The apply half of the apply engine (see manager.ts): plans a set of objects against the live
 * cluster (plan.ts) and applies it in stages.
 *
 * Order of work in `applyAll`:
 * 1. plan every object whose kind and namespace exist: read the live object; skip it when
 *    applying would change nothing (see compare.ts); otherwise dry-run apply it, which both
 *    validates it and tells whether it would change anything. Any error → nothing is applied and
 *    the ApplyError lists every failing object. Objects outside the Namespaces the set defines are
 *    planned at the same time as the cluster definitions (one round trip, not two). When the
 *    whole set needs a single write to an existing object, its dry run is left out: the apply
 *    validates it as well, fails alone (nothing else is applied), and its answer tells configured
 *    from unchanged (the resourceVersion moved or not).
 * 2. apply the cluster definitions (CRDs, Namespaces, ClusterRoles), wait for CRDs to be
 *    Established, plan the objects that needed them, then apply `*Class` kinds, then the rest.
 */
import type { Client } from '../client/client.ts';
import { InvalidError, isNotFound, NoKindMatchError } from '../client/errors.ts';
import { describeObject, type KubeObject, parseApiVersion } from '../client/types.ts';
import { waitForHealthy } from '../health/wait.ts';
import { sleep } from '../retry/index.ts';
import { ApplyError, type ObjectError } from './errors.ts';
import { inventoryOf, objectId } from './inventory.ts';
import { mapLimit } from './map-limit.ts';
import { describeApplyError, refOf } from './object.ts';
import { isDirect, mustRecreate, Planner, type ToDryRun } from './plan.ts';
import { isCrd, kindsDefinedBy, Stage, stageOf } from './stages.ts';
import type { ApplyAllOptions, ApplyPlan, ApplyResult, ChangeSetEntry } from './types.ts';
import { DeletionTimeoutError, waitForDeletion } from './wait.ts';

/** From this many objects of one kind in one namespace, one list is cheaper than a get each. */
const listThreshold = 20;

export class Applier {
  readonly #client: Client;
  readonly #fieldManager: string;
  readonly #concurrency: number;
  readonly #planner: Planner;

  constructor(client: Client, fieldManager: string, concurrency: number) {
    this.#client = client;
    this.#fieldManager = fieldManager;
    this.#planner = new Planner(client, fieldManager);
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

    // Objects in a Namespace this set creates cannot be dry-run before it exists; the others are
    // planned together with the cluster definitions.
    const stage0 = ready.filter((o) => stageOf(o) === Stage.ClusterDefinitions);
    const setNamespaces = new Set(stage0.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    const inSetNamespace = (o: KubeObject) =>
      o.metadata.namespace !== undefined && setNamespaces.has(o.metadata.namespace);
    const rest = ready.filter((o) => stageOf(o) !== Stage.ClusterDefinitions);
    const later = rest.filter((o) => !inSetNamespace(o));
    const plans = new Map<KubeObject, ApplyPlan>();
    // The one-write shortcut only where nothing else can be written (no stages, nothing deferred).
    const single = stage0.length === 0 && deferred.length === 0;
    await Promise.all([
      this.#planAll(stage0, plans, fail, options, false),
      this.#planAll(later, plans, fail, options, single),
    ]);
    const newNamespaces = new Set(
      stage0
        .filter((o) => o.kind === 'Namespace' && plans.get(o)?.action === 'created')
        .map((o) => o.metadata.name),
    );
    const waiting = rest.filter(inSetNamespace);
    for (const obj of waiting) {
      if (newNamespaces.has(obj.metadata.namespace ?? '')) deferred.push(obj);
      else later.push(obj);
    }
    await this.#planAll(
      waiting.filter((o) => !deferred.includes(o)),
      plans,
      fail,
      options,
      false,
    );
    if (errors.length > 0) throw new ApplyError('validation', errors);

    const changeSet: ChangeSetEntry[] = [];
    await this.#execute(stage0, plans, changeSet, fail, options);
    if (errors.length > 0) throw new ApplyError('apply', errors);
    await this.#waitForCrds(stage0.filter(isCrd), options);
    await this.#waitForKinds(deferred, options);

    if (deferred.length > 0) {
      await this.#planAll(deferred, plans, fail, options, false);
      if (errors.length > 0) throw new ApplyError('validation', errors);
    }
    for (const stage of [Stage.ClusterDefinitions, Stage.Classes, Stage.Resources]) {
      const batch = [...later, ...deferred].filter((o) => stageOf(o) === stage);
      await this.#execute(batch, plans, changeSet, fail, options);
      // The apply of a lone write stood in for its dry run: it failed as validation.
      const direct = batch.some((o) => plans.get(o)?.action === 'configured' && isDirect(plans.get(o)));
      if (errors.length > 0) throw new ApplyError(direct ? 'validation' : 'apply', errors);
    }
    const applied = [...plans.values()].map((p) => p.obj);
    return { changeSet, inventory: inventoryOf(applied) };
  }

  /**
   * Plans one object: what applying it would do (or why it is skipped). Throws on invalid
   * objects. `known` is the live object when the caller already read it (null: it does not exist).
   */
  plan(obj: KubeObject, options: ApplyAllOptions = {}, known?: KubeObject | null): Promise<ApplyPlan> {
    return this.#planner.plan(obj, options, known);
  }

  async #planAll(
    objects: KubeObject[],
    plans: Map<KubeObject, ApplyPlan>,
    fail: (obj: KubeObject, err: unknown) => void,
    options: ApplyAllOptions,
    /** These are all the set may write: a single write skips its dry run (see the module comment). */
    single: boolean,
  ): Promise<void> {
    const live = await this.#readLive(objects, options);
    const toDryRun = new Map<KubeObject, ToDryRun>();
    let failed = false;
    await mapLimit(objects, this.#concurrency, async (obj) => {
      try {
        const prepared = await this.#planner.prepare(obj, options, live.get(objectId(obj)));
        if ('plan' in prepared) plans.set(obj, prepared.plan);
        else toDryRun.set(obj, prepared);
      } catch (err) {
        failed = true;
        fail(obj, err);
      }
    });
    const writes = objects.filter((o) => {
      const action = plans.get(o)?.action;
      return action === 'created' || action === 'configured';
    });
    const [lone] = toDryRun.entries();
    if (
      single &&
      !failed &&
      writes.length === 0 &&
      toDryRun.size === 1 &&
      lone?.[1].live &&
      !lone[1].takeover
    ) {
      plans.set(lone[0], { obj: lone[1].obj, action: 'configured', recreate: false, direct: lone[1].live });
      return;
    }
    await mapLimit([...toDryRun], this.#concurrency, async ([obj, prepared]) => {
      try {
        plans.set(obj, await this.#planner.dryRunPlan(prepared, options));
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
          if (isDirect(plan)) return await this.#applyDirect(obj, plan, entry, options);
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

  /** The lone write of a set, applied without a dry run: its answer says what it did. */
  async #applyDirect(
    obj: KubeObject,
    plan: ApplyPlan & { direct: KubeObject },
    entry: ChangeSetEntry,
    options: ApplyAllOptions,
  ): Promise<ChangeSetEntry> {
    const apply = () =>
      this.#client.apply(plan.obj, { fieldManager: this.#fieldManager, force: true, signal: options.signal });
    try {
      entry.object = await apply();
    } catch (err) {
      if (!(err instanceof InvalidError && err.immutable)) throw err;
      if (!options.force) throw mustRecreate(err);
      await this.#deleteAndWait(obj, options);
      entry.message = 'recreated: an immutable field changed';
      entry.object = await apply();
      return entry;
    }
    // A server-side apply that changes nothing stores nothing: the resourceVersion stays.
    if (entry.object.metadata.resourceVersion === plan.direct.metadata.resourceVersion)
      entry.action = 'unchanged';
    return entry;
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
