import { type Gvk, gvkOf, isClusterScoped, type ResId } from './resid.ts';
import { isMap, type KObject } from './types.ts';

export type Behavior = 'create' | 'merge' | 'replace';

/**
 * One object in a build plus what kustomize tracks about it outside the object: the ids it had
 * before renames (for name references), the prefixes/suffixes applied, and generator options.
 */
export class Resource {
  obj: KObject;
  prevIds: ResId[] = [];
  prefixes: string[] = [];
  suffixes: string[] = [];
  needsHash = false;
  behavior: Behavior = 'create';
  /** Names of the `vars` that read a field of this resource. */
  refVarNames: string[] = [];
  /** Where the resource came from, for the config.kubernetes.io/origin annotation. */
  origin: Record<string, unknown> | undefined;
  /** The transformers that ran over it, for the alpha.config.kubernetes.io/transformations annotation. */
  transformations: Record<string, unknown>[] = [];

  constructor(obj: KObject) {
    this.obj = obj;
  }

  get metadata(): Record<string, unknown> {
    let m = this.obj.metadata;
    if (!isMap(m)) {
      m = {};
      this.obj.metadata = m;
    }
    return m as Record<string, unknown>;
  }

  get gvk(): Gvk {
    return gvkOf(this.obj.apiVersion, this.obj.kind);
  }
  get kind(): string {
    return typeof this.obj.kind === 'string' ? this.obj.kind : '';
  }
  get name(): string {
    const n = isMap(this.obj.metadata) ? this.obj.metadata.name : undefined;
    return typeof n === 'string' ? n : '';
  }
  set name(v: string) {
    this.metadata.name = v;
  }
  get namespace(): string {
    const n = isMap(this.obj.metadata) ? this.obj.metadata.namespace : undefined;
    return typeof n === 'string' ? n : '';
  }

  curId(): ResId {
    const gvk = this.gvk;
    return { ...gvk, name: this.name, namespace: isClusterScoped(gvk) ? '' : this.namespace };
  }
  /** The id this resource was first loaded or generated with. */
  orgId(): ResId {
    return this.prevIds[0] ?? this.curId();
  }
  /** Records the current id before a rename, kind change or namespace change. */
  storePrevId(): void {
    this.prevIds.push(this.curId());
  }
  allIds(): ResId[] {
    return [...this.prevIds, this.curId()];
  }

  labels(): Record<string, unknown> {
    const l = this.metadata.labels;
    return isMap(l) ? l : {};
  }
  annotations(): Record<string, unknown> {
    const a = this.metadata.annotations;
    return isMap(a) ? a : {};
  }

  clone(): Resource {
    const r = new Resource(structuredClone(this.obj));
    r.prevIds = this.prevIds.map((id) => ({ ...id }));
    r.prefixes = [...this.prefixes];
    r.suffixes = [...this.suffixes];
    r.needsHash = this.needsHash;
    r.behavior = this.behavior;
    r.origin = this.origin;
    r.transformations = [...this.transformations];
    r.refVarNames = [...this.refVarNames];
    return r;
  }
}
