/**
 * Flux's apply policies `Override` (the default) and `Merge` (`kustomize.weft.dev/ssa: Merge`).
 *
 * Server-side apply alone keeps every field another manager owns: a field added with `kubectl
 * edit` or `kubectl apply` would survive every reconcile, and a field removed from Git but once
 * set with kubectl too would never go away. So, as Flux, before applying an object that is not
 * annotated `Merge` the engine hands the fields of kubectl's managers (`kubectl`,
 * `kubectl-client-side-apply`, `kubectl-edit`, `kubectl-patch`, …, any operation), of
 * `before-first-apply`, and of its own `Update` operations to its own `Apply` entry, and drops the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation. The apply that follows then
 * reverts what they changed and removes what they added.
 *
 * With `Merge` none of this happens: fields other tools added are kept. Fields the desired object
 * sets are still taken over (the apply forces conflicts, as Flux), so Merge only preserves fields
 * that do not overlap the desired state. Tools other than kubectl (controllers, HPAs, a
 * `--field-manager` of your choice) are never taken over, under either policy.
 */
import { isRecord, type KubeObject, type ManagedFieldsEntry } from '../client/types.ts';

export const LastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** Managers whose fields are taken over by prefix of their name, whatever the operation. */
const takenOverPrefixes = ['kubectl', 'before-first-apply'];

function takenOver(entry: ManagedFieldsEntry, fieldManager: string): boolean {
  if (entry.subresource) return false;
  const manager = entry.manager ?? '';
  if (manager === fieldManager) return entry.operation === 'Update';
  return takenOverPrefixes.some((prefix) => manager.startsWith(prefix));
}

/** The union of two managedFields field sets (FieldsV1 trees). */
export function unionFields(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = out[key];
    out[key] = isRecord(mine) && isRecord(value) ? unionFields(mine, value) : value;
  }
  return out;
}

/**
 * The merge patch that gives `fieldManager` the fields kubectl & co. own on `live` (see the
 * module comment), or undefined when there is nothing to take over. Carries the
 * resourceVersion, so a concurrent change conflicts instead of being overwritten.
 */
export function takeoverPatch(
  live: KubeObject,
  desired: KubeObject,
  fieldManager: string,
): Record<string, unknown> | undefined {
  const entries = live.metadata.managedFields ?? [];
  const taken = entries.filter(
    (e) => takenOver(e, fieldManager) && e.apiVersion === desired.apiVersion && isRecord(e.fieldsV1),
  );
  const dropAnnotation =
    live.metadata.annotations?.[LastAppliedAnnotation] !== undefined &&
    desired.metadata.annotations?.[LastAppliedAnnotation] === undefined;
  if (taken.length === 0 && !dropAnnotation) return undefined;

  const metadata: Record<string, unknown> = { resourceVersion: live.metadata.resourceVersion };
  if (dropAnnotation) metadata.annotations = { [LastAppliedAnnotation]: null };
  if (taken.length > 0) {
    const own = entries.find(
      (e) =>
        e.manager === fieldManager &&
        e.operation === 'Apply' &&
        !e.subresource &&
        e.apiVersion === desired.apiVersion,
    );
    let fields: Record<string, unknown> = isRecord(own?.fieldsV1) ? own.fieldsV1 : {};
    for (const entry of taken) fields = unionFields(fields, entry.fieldsV1 as Record<string, unknown>);
    const merged: ManagedFieldsEntry = {
      manager: fieldManager,
      operation: 'Apply',
      apiVersion: desired.apiVersion,
      time: own?.time ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      fieldsType: 'FieldsV1',
      fieldsV1: fields,
    };
    const kept = entries.filter((e) => e !== own && !taken.includes(e));
    metadata.managedFields = [...kept, merged];
  }
  return { metadata };
}
