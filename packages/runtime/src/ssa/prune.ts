/**
 * Pruning: deletes what left the inventory. Skips objects already gone, objects annotated
 * `kustomize.weft.dev/prune: disabled`, and objects whose owner labels name another owner.
 */
import { Annotation, AnnotationValue } from '@weft/api';
import type { Client } from '../client/client.ts';
import { isNotFound, NoKindMatchError } from '../client/errors.ts';
import { describeObject } from '../client/types.ts';
import { ApplyError, type ObjectError } from './errors.ts';
import { type InventoryEntry, refFromEntry } from './inventory.ts';
import { mapLimit } from './map-limit.ts';
import { annotation, describeApplyError } from './object.ts';
import type { ChangeSetEntry, PruneOptions } from './types.ts';

export interface PruneContext {
  client: Client;
  /** Parallel requests. */
  concurrency: number;
  /** Labels that say who owns what (see ResourceManagerOptions.ownerLabels). */
  ownerLabels: Record<string, string>;
}

export async function deleteAll(
  context: PruneContext,
  entries: InventoryEntry[],
  options: PruneOptions = {},
): Promise<ChangeSetEntry[]> {
  const errors: ObjectError[] = [];
  const results = await mapLimit(
    entries,
    context.concurrency,
    async (entry): Promise<ChangeSetEntry | undefined> => {
      const ref = refFromEntry(entry);
      const subject = describeObject(ref);
      try {
        const live = await context.client.find(ref).catch((err: unknown) => {
          // A kind no longer served (its CRD is gone) has nothing left to delete.
          if (err instanceof NoKindMatchError) return undefined;
          throw err;
        });
        if (!live || live.metadata.deletionTimestamp) return undefined;
        const skip = (message: string): ChangeSetEntry => ({
          id: entry.id,
          subject,
          action: 'skipped',
          ref,
          message,
        });
        if (annotation(live, Annotation.KustomizePrune) === AnnotationValue.Disabled) {
          return skip(`${Annotation.KustomizePrune}: disabled`);
        }
        for (const [key, value] of Object.entries(context.ownerLabels)) {
          const actual = live.metadata.labels?.[key];
          if (actual !== undefined && actual !== value) return skip(`owned by another ${key}=${actual}`);
        }
        if (!options.dryRun) {
          await context.client
            .delete(ref, {
              propagationPolicy: options.propagationPolicy ?? 'Background',
              uid: live.metadata.uid ?? '',
            })
            .catch((err: unknown) => {
              if (!isNotFound(err)) throw err;
            });
        }
        return { id: entry.id, subject, action: 'deleted', ref };
      } catch (err) {
        errors.push({ id: entry.id, subject, message: describeApplyError(err), cause: err });
        return undefined;
      }
    },
  );
  if (errors.length > 0) throw new ApplyError('prune', errors);
  return results.filter((r): r is ChangeSetEntry => r !== undefined);
}
