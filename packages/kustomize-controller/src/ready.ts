/**
 * Ready with Flux's reasons.
 *
 * The runtime's Controller computes `Ready` from the listed conditions after `reconcile` returns
 * and writes the status. A Kustomization has no per-step conditions to carry `ArtifactFailed`,
 * `BuildFailed` or `DependencyNotReady` (Flux writes them on Ready itself), so the summariser
 * would say `ReconciliationFailed` for every error and `Succeeded` for every success. The
 * reconciler therefore states the Ready it means for this status object, and the status writer
 * below puts it in before the patch. Keyed by the status object the reconcile mutated (the very
 * object the Controller hands to `patchStatus`), so nothing leaks between reconciles.
 */
import { type Condition, ConditionType } from '@weft/api';
import { conditions, isRecord, type KubeObject, type ObjectRef, type PatchClient } from '@weft/runtime';

export interface ReadyStatement {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

interface Statement extends ReadyStatement {
  /** Ready as it was when the reconcile started, for lastTransitionTime. */
  previous: Condition | undefined;
}

export class ReadyOverrides {
  readonly #byStatus = new WeakMap<object, Statement>();
  readonly #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  /** Says what Ready must be for this reconcile of `obj`. Call with the object the reconcile got. */
  state(obj: KubeObject, previous: Condition | undefined, statement: ReadyStatement): void {
    if (!isRecord(obj.status)) obj.status = {};
    this.#byStatus.set(obj.status as object, { ...statement, previous });
  }

  /** Rewrites Ready in a status about to be written, when the reconcile stated one. */
  apply(status: unknown): void {
    if (!isRecord(status)) return;
    const statement = this.#byStatus.get(status);
    if (!statement) return;
    const list = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
    const index = list.findIndex((c) => c.type === ConditionType.Ready);
    const current = index >= 0 ? list[index] : undefined;
    const previous = statement.previous;
    const lastTransitionTime =
      previous && previous.status === statement.status
        ? previous.lastTransitionTime
        : current && current.status === statement.status
          ? current.lastTransitionTime
          : conditions.formatTime(this.#now());
    const ready: Condition = {
      type: ConditionType.Ready,
      status: statement.status,
      reason: statement.reason,
      message: statement.message.slice(0, 32768),
      lastTransitionTime,
      ...(current?.observedGeneration !== undefined
        ? { observedGeneration: current.observedGeneration }
        : {}),
    };
    if (index >= 0) list[index] = ready;
    else list.push(ready);
    status.conditions = list;
  }

  /** A PatchClient that applies the stated Ready before writing the status. */
  wrap(client: PatchClient): PatchClient {
    return {
      patch: (ref: ObjectRef, patch: unknown) => client.patch(ref, patch),
      patchStatus: (ref: ObjectRef, status: unknown) => {
        this.apply(status);
        return client.patchStatus(ref, status);
      },
    };
  }
}
