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
  readonly scope: Readonly<CacheScope>;
  readonly informer: Informer;
  readonly leaderOnly: boolean;
  readonly waitForSync: boolean;
  readonly startAfterSync: boolean;
}

/**
 * An entry as the cache keeps it: how it runs is settled by every registration of its scope
 * (until the manager starts), and the transform it was created with is kept to refuse another.
 */
interface StoredEntry {
  readonly key: string;
  readonly scope: Readonly<CacheScope>;
  readonly informer: Informer;
  leaderOnly: boolean;
  waitForSync: boolean;
  readonly startAfterSync: boolean;
  readonly transform: unknown;
}

/**
 * A read or a registration the cache refuses rather than answer from the wrong informer: a read
 * without a scope while the kind has informers of several scopes, a read of a scope or namespace
 * no informer holds, or a second registration of one kind and scope that shapes its objects
 * otherwise or starts it at another time. A programming error of the controller, raised where it is made.
 */
export class CacheScopeError extends Error {
  override name = 'CacheScopeError';
}

/** `''` and absent are the same scope; white space around a selector is not part of it. */
function normalScope(scope: CacheScope): Readonly<CacheScope> {
  const namespace = scope.namespace || undefined;
  const labelSelector = scope.labelSelector?.trim() || undefined;
  return { namespace, labelSelector };
}

function kindKey(kind: CacheKind): string {
  return `${kind.apiVersion}|${kind.kind}`;
}

function scopeKey(scope: CacheScope): string {
  return `${scope.namespace ?? ''}|${scope.labelSelector ?? ''}`;
}

function describeScope(scope: CacheScope): string {
  return `namespace ${scope.namespace ?? '(all)'}, selector ${scope.labelSelector ?? '(none)'}`;
}

function describeKind(kind: CacheKind): string {
  return `${kind.kind} (${kind.apiVersion})`;
}

export class SharedCache {
  readonly #client: () => ListWatcher;
  /** Kind → scope → entry: a kind may have informers of several scopes, each its own. */
  readonly #byKind = new Map<string, Map<string, StoredEntry>>();

  /** `client` is called once, on the first informer (so a process without one needs no kubeconfig). */
  constructor(client: () => ListWatcher) {
    this.#client = client;
  }

  /**
   * The informer of `kind` in `scope`, created on first use; later calls with the same kind and
   * scope return the same informer. How it runs is what every consumer needs: it runs on a
   * standby if one says `leaderOnly: false`, and holds reconcilers back until synced if one says
   * `waitForSync: true`. What cannot serve both throws a CacheScopeError: another `transform` (a
   * consumer would read objects shaped for the other) or another `startAfterSync`. Tuning
   * (`informer`) is the first call's. Call before the manager starts: handlers added later miss
   * the objects already listed, and the run options are read at start.
   */
  informer<T extends KubeObject>(kind: CacheKind<T>, options: CacheInformerOptions<T> = {}): Informer<T> {
    const scope = normalScope(options);
    const scopes = this.#scopes(kind);
    const leaderOnly = options.leaderOnly ?? true;
    const waitForSync = options.waitForSync ?? true;
    const startAfterSync = options.startAfterSync ?? false;
    const existing = scopes.get(scopeKey(scope));
    if (existing) {
      const conflicts = [
        ...(existing.transform !== options.transform ? ['transform'] : []),
        ...(existing.startAfterSync !== startAfterSync ? ['startAfterSync'] : []),
      ];
      if (conflicts.length > 0) {
        throw new CacheScopeError(
          `the cache already holds an informer of ${describeKind(kind)} in ${describeScope(scope)} ` +
            `with another ${conflicts.join(' and ')}: give the second consumer its own scope or the same options`,
        );
      }
      existing.leaderOnly &&= leaderOnly;
      existing.waitForSync ||= waitForSync;
      return existing.informer as unknown as Informer<T>;
    }
    const informer = new Informer<T>(this.#client(), {
      ...options.informer,
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      namespace: scope.namespace,
      labelSelector: scope.labelSelector,
      ...(options.transform !== undefined ? { transform: options.transform } : {}),
    });
    const entry: StoredEntry = {
      key: `${kindKey(kind)}|${scopeKey(scope)}`,
      scope,
      informer: informer as unknown as Informer,
      leaderOnly,
      waitForSync,
      startAfterSync,
      transform: options.transform,
    };
    scopes.set(scopeKey(scope), entry);
    return informer;
  }

  #scopes(kind: CacheKind): Map<string, StoredEntry> {
    let scopes = this.#byKind.get(kindKey(kind));
    if (!scopes) {
      scopes = new Map();
      this.#byKind.set(kindKey(kind), scopes);
    }
    return scopes;
  }

  /** Whether the cache holds an informer of `kind` (in `scope`, or in any when omitted). */
  has(kind: CacheKind, scope?: CacheScope): boolean {
    const scopes = this.#byKind.get(kindKey(kind));
    if (!scopes) return false;
    return scope ? scopes.has(scopeKey(normalScope(scope))) : scopes.size > 0;
  }

  /**
   * The entry a read means: the one of `scope`, or without a scope the kind's only one. Several
   * scopes and none named is refused: the first registered would answer for all of them, and a
   * reader would see another selector's objects (or miss its own) without a sign.
   */
  #find(kind: CacheKind, scope: CacheScope | undefined): CacheEntry | undefined {
    const scopes = this.#byKind.get(kindKey(kind));
    if (!scopes || scopes.size === 0) return undefined;
    if (scope) return scopes.get(scopeKey(normalScope(scope)));
    if (scopes.size > 1) {
      const held = [...scopes.values()].map((e) => describeScope(e.scope)).join('; ');
      throw new CacheScopeError(
        `the cache holds ${scopes.size} informers of ${describeKind(kind)} (${held}): name the scope to read`,
      );
    }
    return scopes.values().next().value;
  }

  /** `#find` for a read of objects: refuses a scope or a namespace no informer holds. */
  #read(kind: CacheKind, namespace: string | undefined, scope: CacheScope | undefined): Informer {
    const entry = this.#find(kind, scope);
    if (!entry) {
      throw new CacheScopeError(
        `the cache holds no informer of ${describeKind(kind)}` +
          `${scope ? ` in ${describeScope(normalScope(scope))}` : ''}: register it before the manager starts`,
      );
    }
    if (namespace && entry.scope.namespace !== undefined && entry.scope.namespace !== namespace) {
      throw new CacheScopeError(
        `the informer of ${describeKind(kind)} in ${describeScope(entry.scope)} holds nothing of namespace ${namespace}`,
      );
    }
    return entry.informer;
  }

  /** Whether the informer of `kind` (in `scope`) has listed; false when there is none. */
  hasSynced(kind: CacheKind, scope?: CacheScope): boolean {
    return this.#find(kind, scope)?.informer.hasSynced ?? false;
  }

  /**
   * A cached object, or undefined (also before the informer has synced: check `hasSynced` to tell
   * "absent" from "not known yet"). Throws a CacheScopeError where the read would be answered by
   * the wrong informer or by none (see `#find`). Shared with every reader: do not modify.
   */
  get<T extends KubeObject>(
    kind: CacheKind<T>,
    namespace: string | undefined,
    name: string,
    scope?: CacheScope,
  ): T | undefined {
    return this.#read(kind, namespace, scope).get(namespace ? `${namespace}/${name}` : name) as T | undefined;
  }

  /** Cached objects of `kind`, all or of one namespace; refuses as `get` does. Shared: do not modify. */
  list<T extends KubeObject>(kind: CacheKind<T>, namespace?: string, scope?: CacheScope): T[] {
    return this.#read(kind, namespace, scope).list(namespace) as T[];
  }

  /** Every informer with how it runs (the manager starts and stops them). */
  get entries(): readonly CacheEntry[] {
    return [...this.#byKind.values()].flatMap((scopes) => [...scopes.values()]);
  }
}
