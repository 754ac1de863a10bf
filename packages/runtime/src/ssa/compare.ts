/**
 * Is applying an object a no-op? Two ways to tell:
 *
 * 1. `isUnchangedByApply` (no request): the live object already holds every value we set, and our
 *    field manager's Apply entry in `managedFields` owns exactly the fields we set, no more and no
 *    fewer. Then SSA would neither change a value nor drop a field, so the apply is skipped. Any
 *    doubt (values the server normalises, like `1000m` → `1`; unknown list keys) answers false.
 * 2. `sameObject` (after a server-side dry-run apply): the dry-run result equals the live object,
 *    ignoring bookkeeping (managedFields, resourceVersion, generation, timestamps).
 */
import { isRecord, type KubeObject, type ManagedFieldsEntry } from '../client/types.ts';

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isRecord(a)) {
    if (!isRecord(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

const ignoredMetadata = ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp'];

function withoutBookkeeping(obj: KubeObject): KubeObject {
  const metadata = { ...obj.metadata };
  for (const key of ignoredMetadata) delete metadata[key];
  return { ...obj, metadata };
}

/** True when two versions of an object differ only in bookkeeping fields. */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  return deepEqual(withoutBookkeeping(a), withoutBookkeeping(b));
}

function fieldKeys(fields: Record<string, unknown>): string[] {
  return Object.keys(fields).filter((k) => k !== '.');
}

/** Walks the desired value, the live value and the manager's field set together. */
function covers(desired: unknown, live: unknown, fields: unknown): boolean {
  if (!isRecord(fields)) return false;
  const children = fieldKeys(fields);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return false;
    // Atomic list (or a list we set empty): the whole value is ours and must match exactly.
    if (children.length === 0) return deepEqual(desired, live);
    if (children.length !== desired.length) return false;
    return children.every((key) => coversListItem(key, fields[key], desired, live));
  }
  if (isRecord(desired)) {
    if (!isRecord(live)) return false;
    const keys = Object.keys(desired);
    // Atomic map (e.g. a label selector): owned whole, must match exactly.
    if (children.length === 0) return keys.length === 0 ? isRecord(live) : deepEqual(desired, live);
    if (children.length !== keys.length) return false;
    return keys.every((k) => Object.hasOwn(live, k) && covers(desired[k], live[k], fields[`f:${k}`]));
  }
  // A scalar: a leaf in the field set, with the same value live.
  return children.length === 0 && desired === live;
}

function matchesKey(item: unknown, key: Record<string, unknown>): boolean {
  if (!isRecord(item)) return false;
  // Key fields the server defaulted (e.g. protocol: TCP) may be absent from what we sent.
  return Object.entries(key).every(([k, v]) => item[k] === undefined || deepEqual(item[k], v));
}

function coversListItem(fieldKey: string, fields: unknown, desired: unknown[], live: unknown[]): boolean {
  let key: unknown;
  try {
    key = JSON.parse(fieldKey.slice(2));
  } catch {
    return false;
  }
  if (fieldKey.startsWith('k:') && isRecord(key)) {
    const wanted = desired.filter((item) => matchesKey(item, key));
    const found = live.filter(
      (item) => isRecord(item) && Object.entries(key).every(([k, v]) => deepEqual(item[k], v)),
    );
    if (wanted.length !== 1 || found.length !== 1) return false;
    return covers(wanted[0], found[0], fields);
  }
  if (fieldKey.startsWith('v:')) {
    return desired.some((item) => deepEqual(item, key)) && live.some((item) => deepEqual(item, key));
  }
  return false;
}

/** The Apply entry of a field manager, if it owns fields of the main resource. */
function applyEntry(live: KubeObject, fieldManager: string): ManagedFieldsEntry | undefined {
  return live.metadata.managedFields?.find(
    (m) => m.manager === fieldManager && m.operation === 'Apply' && !m.subresource,
  );
}

/** True when server-side applying `desired` as `fieldManager` would change nothing on `live`. */
export function isUnchangedByApply(desired: KubeObject, live: KubeObject, fieldManager: string): boolean {
  const entry = applyEntry(live, fieldManager);
  if (!entry || entry.apiVersion !== desired.apiVersion || !isRecord(entry.fieldsV1)) return false;
  if (desired.apiVersion !== live.apiVersion || desired.kind !== live.kind) return false;
  const { apiVersion: _a, kind: _k, metadata, ...rest } = desired;
  if ('status' in rest) return false;
  const { name: _n, namespace: _ns, ...meta } = metadata;
  const body: Record<string, unknown> = { ...rest };
  if (Object.keys(meta).length > 0) body.metadata = meta;
  const liveBody: Record<string, unknown> = { ...live };
  return covers(body, liveBody, { '.': {}, ...stripTopLevel(entry.fieldsV1) });
}

/** The field set minus `f:status` etc. that the main resource's apply never touches. */
function stripTopLevel(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (k !== 'f:apiVersion' && k !== 'f:kind') out[k] = v;
  return out;
}
