/** The informer's store: objects keyed `namespace/name` (or `name` for cluster-scoped kinds). */
import { type KubeObject, objectKey } from '../client/types.ts';

export class ObjectCache<T extends KubeObject = KubeObject> {
  readonly #items = new Map<string, T>();

  get(key: string): T | undefined {
    return this.#items.get(key);
  }
  /** Looks up by namespace and name. */
  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.#items.get(namespace ? `${namespace}/${name}` : name);
  }
  /** All objects, or those of one namespace. */
  list(namespace?: string): T[] {
    const all = [...this.#items.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }
  keys(): string[] {
    return [...this.#items.keys()];
  }
  get size(): number {
    return this.#items.size;
  }
  /** Stores an object; returns the one it replaced. */
  set(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    this.#items.set(key, obj);
    return old;
  }
  delete(key: string): T | undefined {
    const old = this.#items.get(key);
    this.#items.delete(key);
    return old;
  }
  /** Replaces the whole content; returns what a consumer must be told to converge on the new state. */
  replace(objects: T[]): { added: T[]; updated: Array<[T, T]>; deleted: T[] } {
    const next = new Map<string, T>();
    for (const obj of objects) next.set(objectKey(obj), obj);
    const added: T[] = [];
    const updated: Array<[T, T]> = [];
    const deleted: T[] = [];
    for (const [key, obj] of next) {
      const old = this.#items.get(key);
      if (!old) added.push(obj);
      else if (
        old.metadata.resourceVersion !== obj.metadata.resourceVersion ||
        old.metadata.uid !== obj.metadata.uid
      ) {
        updated.push([old, obj]);
      }
    }
    for (const [key, old] of this.#items) if (!next.has(key)) deleted.push(old);
    this.#items.clear();
    for (const [key, obj] of next) this.#items.set(key, obj);
    return { added, updated, deleted };
  }
}
