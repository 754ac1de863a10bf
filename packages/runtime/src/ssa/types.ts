/** What the apply engine is asked and what it answers: actions, change sets, plans, options. */
import type { KubeObject, ObjectRef } from '../client/types.ts';
import type { Inventory } from './inventory.ts';

export const Action = {
  Created: 'created',
  Configured: 'configured',
  Unchanged: 'unchanged',
  Deleted: 'deleted',
  Skipped: 'skipped',
} as const;
export type Action = (typeof Action)[keyof typeof Action];

export interface ChangeSetEntry {
  id: string;
  /** `Kind/namespace/name`. */
  subject: string;
  action: Action;
  ref: ObjectRef;
  /** Why it was skipped, or that it was recreated. */
  message?: string;
  /**
   * The object as the apiserver last returned it: the apply's response (created, configured)
   * or the live object (unchanged). A health check can start from it instead of a read.
   */
  object?: KubeObject;
}

export interface ApplyResult {
  changeSet: ChangeSetEntry[];
  /** Inventory of the applied set (skipped objects included, so they are never pruned). */
  inventory: Inventory;
}

export interface ResourceManagerOptions {
  /** Field manager of every apply (default: the client's). */
  fieldManager?: string;
  /** Parallel requests (default 10). */
  concurrency?: number;
  /**
   * Labels that say who owns what: an object whose label has another value is never pruned
   * (e.g. `{ 'kustomize.weft.dev/name': 'app', 'kustomize.weft.dev/namespace': 'flux' }`).
   */
  ownerLabels?: Record<string, string>;
}

export interface ApplyAllOptions {
  /** Recreate objects whose immutable fields changed (delete, wait until gone, apply). */
  force?: boolean;
  /** How long to wait for CRDs to be Established and recreated objects to be gone (default 60 s). */
  waitTimeoutMs?: number;
  signal?: AbortSignal;
  /** JSON pointers of an object's fields other writers own: see ignore.ts (drift ignore rules). */
  ignoredPaths?: (obj: KubeObject) => readonly string[];
  /**
   * The inventory of the last apply of this set (`null`: there was none, a first apply). Objects
   * not in it are most likely new: their plan starts with the dry-run (which answers without a
   * resourceVersion when the object does not exist) instead of a read, one request less per new
   * object. Only a hint: an object that exists after all is read and planned as usual. Without
   * it (undefined), every plan starts with a read.
   */
  inventory?: Inventory | null | undefined;
}

export interface PruneOptions {
  /** Report what would be deleted, delete nothing. */
  dryRun?: boolean;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

/** What applying one object would do. */
export type ApplyPlan =
  | {
      obj: KubeObject;
      action: 'created' | 'configured';
      recreate: boolean;
      /** Merge patch run before the apply: takes over kubectl's fields (see takeover.ts). */
      takeover?: Record<string, unknown>;
      /**
       * Applied without a dry run (the set's only write; see apply.ts), this being the live
       * object: the apply's answer tells configured from unchanged.
       */
      direct?: KubeObject;
    }
  | { obj: KubeObject; action: 'unchanged'; live?: KubeObject }
  | { obj: KubeObject; action: 'skipped'; message: string };
