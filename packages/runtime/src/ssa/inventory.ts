/**
 * The inventory of what a set applied, as Flux stores it in `status.inventory.entries`:
 * `{ id: "<namespace>_<name>_<group>_<kind>", v: "<version>" }`. Kubernetes names, namespaces,
 * groups and kinds never contain `_`, so the id splits back unambiguously.
 */
import { type KubeObject, type ObjectRef, parseApiVersion } from '../client/types.ts';

export interface InventoryEntry {
  id: string;
  v: string;
}

export interface Inventory {
  entries: InventoryEntry[];
}

export interface ObjectIdParts {
  namespace: string;
  name: string;
  group: string;
  kind: string;
}

export function formatObjectId(parts: ObjectIdParts): string {
  return `${parts.namespace}_${parts.name}_${parts.group}_${parts.kind}`;
}

/** The inventory id of an object (namespace empty for cluster-scoped objects). */
export function objectId(obj: KubeObject): string {
  return formatObjectId({
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    group: parseApiVersion(obj.apiVersion).group,
    kind: obj.kind,
  });
}

export function parseObjectId(id: string): ObjectIdParts {
  const parts = id.split('_');
  if (parts.length !== 4)
    throw new Error(`invalid inventory id '${id}': want <namespace>_<name>_<group>_<kind>`);
  const [namespace, name, group, kind] = parts as [string, string, string, string];
  return { namespace, name, group, kind };
}

/** The object an inventory entry points at. */
export function refFromEntry(entry: InventoryEntry): ObjectRef {
  const { namespace, name, group, kind } = parseObjectId(entry.id);
  const ref: ObjectRef = { apiVersion: group ? `${group}/${entry.v}` : entry.v, kind, name };
  if (namespace) ref.namespace = namespace;
  return ref;
}

/** An inventory of objects, sorted by id (stable status, small diffs). */
export function inventoryOf(objects: KubeObject[]): Inventory {
  const byId = new Map<string, InventoryEntry>();
  for (const obj of objects)
    byId.set(objectId(obj), { id: objectId(obj), v: parseApiVersion(obj.apiVersion).version });
  return { entries: [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}

/** Entries of `previous` that are not in `next`: what to prune. */
export function diffInventory(previous: Inventory | undefined, next: Inventory): InventoryEntry[] {
  if (!previous) return [];
  const keep = new Set(next.entries.map((e) => e.id));
  return previous.entries.filter((e) => !keep.has(e.id));
}
