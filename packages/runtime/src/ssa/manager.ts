/**
 * The apply engine: server-side apply of a set of objects in stages, with a change set, an
 * inventory, pruning and health checks. What kustomize-controller runs on every reconcile, and
 * helm-controller for drift. ResourceManager is the entry; the work is in apply.ts (plan and
 * apply), prune.ts (delete what left the inventory) and wait.ts / ../health (wait for objects).
 */
import type { Client } from '../client/client.ts';
import type { KubeObject, ObjectRef } from '../client/types.ts';
import type { CustomHealth } from '../health/expressions.ts';
import { checkHealth, type ObjectHealth, waitForHealthy } from '../health/wait.ts';
import { Applier } from './apply.ts';
import { diffInventory, type Inventory, type InventoryEntry } from './inventory.ts';
import { deleteAll, type PruneContext } from './prune.ts';
import type {
  ApplyAllOptions,
  ApplyPlan,
  ApplyResult,
  ChangeSetEntry,
  PruneOptions,
  ResourceManagerOptions,
} from './types.ts';
import { type DeletionWaitOptions, waitForDeletion } from './wait.ts';

export class ResourceManager {
  readonly client: Client;
  readonly fieldManager: string;
  readonly #applier: Applier;
  readonly #prune: PruneContext;

  constructor(client: Client, options: ResourceManagerOptions = {}) {
    this.client = client;
    this.fieldManager = options.fieldManager ?? client.fieldManager;
    const concurrency = options.concurrency ?? 10;
    this.#applier = new Applier(client, this.fieldManager, concurrency);
    this.#prune = { client, concurrency, ownerLabels: options.ownerLabels ?? {} };
  }

  /** Applies a set of objects in stages; see apply.ts. */
  applyAll(objects: KubeObject[], options: ApplyAllOptions = {}): Promise<ApplyResult> {
    return this.#applier.applyAll(objects, options);
  }

  /**
   * What applying one object would do (or why it is skipped). Throws on invalid objects. `known`
   * is the live object when the caller already read it (null: it does not exist).
   */
  plan(obj: KubeObject, options: ApplyAllOptions = {}, known?: KubeObject | null): Promise<ApplyPlan> {
    return this.#applier.plan(obj, options, known);
  }

  /** Deletes what left the inventory; see prune.ts. */
  prune(
    previous: Inventory | undefined,
    next: Inventory,
    options: PruneOptions = {},
  ): Promise<ChangeSetEntry[]> {
    return deleteAll(this.#prune, diffInventory(previous, next), options);
  }

  deleteAll(entries: InventoryEntry[], options: PruneOptions = {}): Promise<ChangeSetEntry[]> {
    return deleteAll(this.#prune, entries, options);
  }

  /** Waits until every object is Current (kstatus); HealthCheckError names those that are not. */
  wait(
    refs: ObjectRef[],
    options: {
      timeoutMs: number;
      intervalMs?: number;
      signal?: AbortSignal;
      custom?: CustomHealth;
      /** The objects as last returned (ChangeSetEntry.object): the Current ones are not read again. */
      objects?: readonly KubeObject[];
      /** Wait on watch events of the pending objects instead of polls (see ../health/watch.ts). */
      watch?: boolean;
    },
  ): Promise<ObjectHealth[]> {
    return waitForHealthy(this.client, refs, options);
  }

  /** The status of each object now. */
  status(refs: ObjectRef[]): Promise<ObjectHealth[]> {
    return checkHealth(this.client, refs);
  }

  /** Waits until none of the objects exists; DeletionTimeoutError names those left. */
  waitForDeletion(refs: ObjectRef[], options: DeletionWaitOptions): Promise<void> {
    return waitForDeletion(this.client, refs, options);
  }
}
