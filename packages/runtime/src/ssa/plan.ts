/**
 * Planning one object for the apply engine (apply.ts): what applying it would do, from the live
 * object and our field manager's fields when that tells (skipped, unchanged: no request), from a
 * dry run otherwise (which also validates it). `prepare` stops before the dry run, so the engine
 * can leave it out where the apply itself answers the same (a set's only write).
 */
import { Annotation, AnnotationValue } from '@weft/api';
import type { Client } from '../client/client.ts';
import { InvalidError } from '../client/errors.ts';
import type { KubeObject } from '../client/types.ts';
import { isUnchangedByApply, sameObject } from './compare.ts';
import { withIgnoredFields } from './ignore.ts';
import { type Inventory, objectId } from './inventory.ts';
import { annotation, describeApplyError, refOf } from './object.ts';
import { takeoverPatch } from './takeover.ts';
import type { ApplyAllOptions, ApplyPlan } from './types.ts';

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

/** What a dry run needs: the object to apply, the live one, the takeover patch. */
export interface ToDryRun {
  obj: KubeObject;
  live: KubeObject | undefined;
  takeover: Record<string, unknown> | undefined;
}
export type Prepared = { plan: ApplyPlan } | ToDryRun;

export function isDirect(plan: ApplyPlan | undefined): plan is ApplyPlan & { direct: KubeObject } {
  return plan !== undefined && 'direct' in plan && plan.direct !== undefined;
}

export function mustRecreate(err: unknown): Error {
  return new Error(
    `${describeApplyError(err)}; the object must be recreated to change it: set force to delete and recreate it`,
    { cause: err },
  );
}

export class Planner {
  readonly #client: Client;
  readonly #fieldManager: string;

  constructor(client: Client, fieldManager: string) {
    this.#client = client;
    this.#fieldManager = fieldManager;
  }

  /**
   * Plans one object: what applying it would do (or why it is skipped). Throws on invalid
   * objects. `known` is the live object when the caller already read it (null: it does not exist).
   */
  async plan(obj: KubeObject, options: ApplyAllOptions = {}, known?: KubeObject | null): Promise<ApplyPlan> {
    const prepared = await this.prepare(obj, options, known);
    return 'plan' in prepared ? prepared.plan : this.dryRunPlan(prepared, options);
  }

  /** A plan without a dry run where there can be one (skipped, unchanged, new), else what the dry run needs. */
  async prepare(
    obj: KubeObject,
    options: ApplyAllOptions,
    known: KubeObject | null | undefined,
  ): Promise<Prepared> {
    const ssa = annotation(obj, Annotation.KustomizeSSA);
    if (ssa === AnnotationValue.SSAIgnore)
      return { plan: { obj, action: 'skipped', message: `${Annotation.KustomizeSSA}: Ignore` } };
    if (known === undefined && probablyNew(options.inventory, obj)) {
      const created = await this.#planNew(obj, options);
      if (created) return { plan: created };
    }
    const live =
      known === undefined ? await this.#client.find(refOf(obj), options.signal) : (known ?? undefined);
    if (options.ignoredPaths) obj = withIgnoredFields(obj, live, options.ignoredPaths(obj));
    if (
      annotation(obj, Annotation.KustomizeReconcile) === AnnotationValue.Disabled ||
      annotation(live, Annotation.KustomizeReconcile) === AnnotationValue.Disabled
    ) {
      return { plan: { obj, action: 'skipped', message: `${Annotation.KustomizeReconcile}: disabled` } };
    }
    if (live && ssa === AnnotationValue.SSAIfNotPresent) {
      return {
        plan: {
          obj,
          action: 'skipped',
          message: `${Annotation.KustomizeSSA}: IfNotPresent and the object exists`,
        },
      };
    }
    // Override (the default): kubectl's fields become ours, so what it changed or added is undone.
    const takeover =
      live && ssa !== AnnotationValue.SSAMerge ? takeoverPatch(live, obj, this.#fieldManager) : undefined;
    if (live && !takeover && isUnchangedByApply(obj, live, this.#fieldManager)) {
      return { plan: { obj, action: 'unchanged', live } };
    }
    return { obj, live, takeover };
  }

  /** The plan from a dry run: validates the object and tells whether applying it changes anything. */
  async dryRunPlan({ obj, live, takeover }: ToDryRun, options: ApplyAllOptions): Promise<ApplyPlan> {
    try {
      const dryRun = await this.#dryRun(obj, options);
      if (!live) return { obj, action: 'created', recreate: false };
      if (takeover) return { obj, action: 'configured', recreate: false, takeover };
      return sameObject(dryRun, live)
        ? { obj, action: 'unchanged', live }
        : { obj, action: 'configured', recreate: false };
    } catch (err) {
      if (live && err instanceof InvalidError && err.immutable) {
        if (options.force) return { obj, action: 'configured', recreate: true };
        throw mustRecreate(err);
      }
      throw err;
    }
  }

  /** A forced server-side dry-run apply of `obj` under this engine's field manager. */
  #dryRun(obj: KubeObject, options: ApplyAllOptions): Promise<KubeObject> {
    return this.#client.apply(obj, {
      fieldManager: this.#fieldManager,
      force: true,
      dryRun: true,
      signal: options.signal,
    });
  }

  /**
   * The plan of an object that is probably new, from its dry-run alone: created when the answer
   * has no resourceVersion (nothing stored). Undefined when it exists after all, or when the
   * dry-run fails (the usual plan then reads it and says why).
   */
  async #planNew(obj: KubeObject, options: ApplyAllOptions): Promise<ApplyPlan | undefined> {
    if (annotation(obj, Annotation.KustomizeReconcile) === AnnotationValue.Disabled) return undefined;
    try {
      const dryRun = await this.#dryRun(obj, options);
      return dryRun.metadata.resourceVersion ? undefined : { obj, action: 'created', recreate: false };
    } catch {
      return undefined;
    }
  }
}
