/**
 * A secondary index over an informer's objects, as client-go's indexers: `indexFn` names the
 * values an object is filed under (e.g. the source it references), `keys(value)` answers which
 * objects are filed under a value. Lets a watch find the owners of a changed object without a
 * scan of every cached object.
 */
import { type KubeObject, objectKey } from '../client/types.ts';

/** What the index needs from an informer (the runtime `Informer` has it). */
export interface IndexSource<T extends KubeObject> {
  onAdd(handler: (obj: T) => void): unknown;
  onUpdate(handler: (oldObj: T, newObj: T) => void): unknown;
  onDelete(handler: (obj: T) => void): unknown;
}

export class ObjectIndex<T extends KubeObject> {
  readonly #indexFn: (obj: T) => readonly string[];
  readonly #byValue = new Map<string, Set<string>>();
  /** The values each object is filed under now, to unfile it on update and delete. */
  readonly #byKey = new Map<string, readonly string[]>();

  /** Subscribes to `source`; create it before the informer starts. */
  constructor(source: IndexSource<T>, indexFn: (obj: T) => readonly string[]) {
    this.#indexFn = indexFn;
    source.onAdd((obj) => this.#file(obj));
    source.onUpdate((_old, obj) => this.#file(obj));
    source.onDelete((obj) => this.#unfile(objectKey(obj)));
  }

  /** Keys (`namespace/name`) of the objects filed under `value`. */
  keys(value: string): string[] {
    return [...(this.#byValue.get(value) ?? [])];
  }

  get size(): number {
    return this.#byKey.size;
  }

  #file(obj: T): void {
    const key = objectKey(obj);
    const values = [...new Set(this.#indexFn(obj))];
    const previous = this.#byKey.get(key);
    if (previous && previous.length === values.length && previous.every((v, i) => v === values[i])) return;
    this.#unfile(key);
    if (values.length === 0) return;
    this.#byKey.set(key, values);
    for (const value of values) {
      let keys = this.#byValue.get(value);
      if (!keys) {
        keys = new Set();
        this.#byValue.set(value, keys);
      }
      keys.add(key);
    }
  }

  #unfile(key: string): void {
    for (const value of this.#byKey.get(key) ?? []) {
      const keys = this.#byValue.get(value);
      keys?.delete(key);
      if (keys?.size === 0) this.#byValue.delete(value);
    }
    this.#byKey.delete(key);
  }
}
