/**
 * The manager-owned cache: one informer per kind and scope (namespace + label selector) for the
 * whole process, created on first use and shared by every consumer (a controller's own objects,
 * the related objects it watches, the reads of its reconcilers). So a kind is listed and watched
 * once per process however many controllers read it.
 *
 * The Manager starts the informers (leader-only ones when this process leads, the others at
 * start), waits for those that hold the controllers back to sync before any reconcile runs, and
 * stops them on shutdown; leader-only ones also stop when the lease is lost.
 */
import type { KubeObject } from '../client/types.ts';
import { Informer, type InformerOptions, type ListWatcher } from '../informer/informer.ts';

/** A kind the cache holds; `T` is the type its objects have in the cache. */
export interface CacheKind<T extends KubeObject = KubeObject> {
  readonly apiVersion: string;
  readonly kind: string;
  /** Never set: only carries `T` so reads are typed. */
  readonly __type?: T;
}

/** Names a kind with the type of its objects: `cacheKind<GitRepositoryObject>(SourceApiVersion, 'GitRepository')`. */
export function cacheKind<T extends KubeObject>(apiVersion: string, kind: string): CacheKind<T> {
  return { apiVersion, kind };
}

/** Which objects of a kind: one namespace (default all) and a label selector (default none). */
export interface CacheScope {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
}

export interface CacheInformerOptions<T extends KubeObject> extends CacheScope {
  /**
   * Runs only while this process leads (default true): started when it becomes leader, stopped
   * when it loses the lease. `false` for what standbys need too.
   */
  leaderOnly?: boolean;
  /**
   * Whether reconcilers wait for this informer to sync (default true). `false` for a kind whose
   * CRD may be missing, so its informer retrying in the background does not hold the controllers
   * back; a reader then checks `hasSynced` and falls back to a GET.
   */
  waitForSync?: boolean;
  /**
   * Start only once the other informers have synced (default false): for a stream judged against
   * the others, such as Events against the Alerts that route them.
   */
  startAfterSync?: boolean;
  /** Shapes each object before it is cached (see InformerOptions.transform), e.g. metadata only. */
  transform?: InformerOptions<T>['transform'];
  /** Informer tuning (resync, stall timeout, page size, …). */
  informer?: Omit<InformerOptions<T>, 'apiVersion' | 'kind' | 'namespace' | 'labelSelector' | 'transform'>;
}

/** One informer of the cache and how the manager runs it. */
export interface CacheEntry {
  readonly key: string;
  readonly informer: Informer;
  readonly leaderOnly: boolean;
  readonly waitForSync: boolean;
  readonly startAfterSync: boolean;
}

function entryKey(kind: CacheKind, scope: CacheScope): string {
  return `${kind.apiVersion}|${kind.kind}|${scope.namespace ?? ''}|${scope.labelSelector ?? ''}`;
}

function kindKey(kind: CacheKind): string {
  return `${kind.apiVersion}|${kind.kind}`;
}

export class SharedCache {
  readonly #client: () => ListWatcher;
  readonly #entries = new Map<string, CacheEntry>();
  /** The first scope asked for each kind: what `get` and `list` read without a scope. */
  readonly #byKind = new Map<string, CacheEntry>();

  /** `client` is called once, on the first informer (so a process without one needs no kubeconfig). */
  constructor(client: () => ListWatcher) {
    this.#client = client;
  }

  /**
   * The informer of `kind` in `scope`, created on first use; later calls with the same kind and
   * scope return the same informer (their other options are those of the first call). Call
   * before the manager starts: handlers added later miss the objects already listed.
   */
  informer<T extends KubeObject>(kind: CacheKind<T>, options: CacheInformerOptions<T> = {}): Informer<T> {
    const scope = { namespace: options.namespace, labelSelector: options.labelSelector };
    const key = entryKey(kind, scope);
    const existing = this.#entries.get(key);
    if (existing) return existing.informer as unknown as Informer<T>;
    const informer = new Informer<T>(this.#client(), {
      ...options.informer,
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      namespace: scope.namespace,
      labelSelector: scope.labelSelector,
      ...(options.transform !== undefined ? { transform: options.transform } : {}),
    });
    const entry: CacheEntry = {
      key,
      informer: informer as unknown as Informer,
      leaderOnly: options.leaderOnly ?? true,
      waitForSync: options.waitForSync ?? true,
      startAfterSync: options.startAfterSync ?? false,
    };
    this.#entries.set(key, entry);
    if (!this.#byKind.has(kindKey(kind))) this.#byKind.set(kindKey(kind), entry);
    return informer;
  }

  /** Whether the cache holds an informer of `kind` (in `scope`, or in any when omitted). */
  has(kind: CacheKind, scope?: CacheScope): boolean {
    return scope ? this.#entries.has(entryKey(kind, scope)) : this.#byKind.has(kindKey(kind));
  }

  #find(kind: CacheKind, scope: CacheScope | undefined): Informer | undefined {
    return (scope ? this.#entries.get(entryKey(kind, scope)) : this.#byKind.get(kindKey(kind)))?.informer;
  }

  /** Whether the informer of `kind` has listed (false when there is none). */
  hasSynced(kind: CacheKind, scope?: CacheScope): boolean {
    return this.#find(kind, scope)?.hasSynced ?? false;
  }

  /**
   * A cached object, or undefined (also when the kind is not cached or not synced yet: check
   * `hasSynced` to tell "absent" from "not known yet"). Shared with every reader: do not modify.
   */
  get<T extends KubeObject>(
    kind: CacheKind<T>,
    namespace: string | undefined,
    name: string,
    scope?: CacheScope,
  ): T | undefined {
    return this.#find(kind, scope)?.get(namespace ? `${namespace}/${name}` : name) as T | undefined;
  }

  /** Cached objects of `kind`, all or of one namespace. Shared: do not modify. */
  list<T extends KubeObject>(kind: CacheKind<T>, namespace?: string, scope?: CacheScope): T[] {
    return (this.#find(kind, scope)?.list(namespace) ?? []) as T[];
  }

  /** Every informer with how it runs (the manager starts and stops them). */
  get entries(): readonly CacheEntry[] {
    return [...this.#entries.values()];
  }
}
