/**
 * A client for any kind by apiVersion/kind: get, list, create, apply (server-side apply), patch
 * (JSON merge patch), patchStatus, delete, and the raw watch stream informers build on. Objects
 * are plain parsed JSON (`KubeObject`), typed by the caller.
 */
import type { KubeConfig as ClientNodeKubeConfig } from '@kubernetes/client-node';
import { Discovery } from './discovery.ts';
import { isNotFound } from './errors.ts';
import { type KubeConfigLike, loadDefaultRestConfig } from './kubeconfig.ts';
import { KubeConfigTransport, type QueryValue, type Transport } from './transport.ts';
import {
  describeObject,
  isKubeObject,
  isRecord,
  type KubeObject,
  type ObjectRef,
  type ResourceMapping,
} from './types.ts';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface ClientOptions {
  /** Default field manager for apply and patches (default `weft`). */
  fieldManager?: string;
  /** Shares one discovery cache between clients of the same cluster. */
  discovery?: Discovery;
  transport?: Transport;
}

export interface ListOptions {
  apiVersion: string;
  kind: string;
  /** Omit for all namespaces (or for cluster-scoped kinds). */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size; all pages are fetched (default 500). */
  limit?: number;
  signal?: AbortSignal | undefined;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  items: T[];
  /** The list's resourceVersion, where a watch resumes. */
  resourceVersion: string;
}

export interface ApplyOptions {
  fieldManager?: string;
  /** Take ownership of fields other managers own (SSA `force=true`). */
  force?: boolean;
  /** Server-side dry run: validated, defaulted and admitted, never persisted. */
  dryRun?: boolean;
  signal?: AbortSignal | undefined;
}

export interface PatchOptions {
  fieldManager?: string;
  dryRun?: boolean;
  signal?: AbortSignal | undefined;
}

export interface PatchStatusOptions {
  /** `merge` (JSON merge patch, default) or `apply` (server-side apply of the status). */
  type?: 'merge' | 'apply';
  fieldManager?: string;
  force?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  dryRun?: boolean;
  /** Only delete this exact object (guards against deleting a re-created one). */
  uid?: string;
  gracePeriodSeconds?: number;
}

export interface WatchOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  resourceVersion?: string | undefined;
  allowWatchBookmarks?: boolean;
  /** Server-side timeout of the watch request (the server closes it cleanly). */
  timeoutSeconds?: number;
  signal?: AbortSignal | undefined;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

export class Client {
  readonly transport: Transport;
  readonly discovery: Discovery;
  readonly fieldManager: string;
  readonly #kubeConfig: KubeConfigLike | undefined;

  /** From our `RestConfig` (`loadKubeConfig`), or anything with the same two methods. */
  constructor(kubeConfig: KubeConfigLike | undefined, options?: ClientOptions);
  /** From a client-node KubeConfig (kept last: what `ConstructorParameters<typeof Client>` names). */
  constructor(kubeConfig: ClientNodeKubeConfig | undefined, options?: ClientOptions);
  constructor(kubeConfig: KubeConfigLike | undefined, options: ClientOptions = {}) {
    const transport = options.transport ?? (kubeConfig ? new KubeConfigTransport(kubeConfig) : undefined);
    if (!transport) throw new Error('Client needs a KubeConfig or a transport');
    this.#kubeConfig = kubeConfig;
    this.transport = transport;
    this.discovery = options.discovery ?? new Discovery(transport);
    this.fieldManager = options.fieldManager ?? 'weft';
  }

  /** A client from the default kubeconfig ($KUBECONFIG, ~/.kube/config, or in-cluster). */
  static fromDefault(options: ClientOptions = {}): Client {
    return new Client(loadDefaultRestConfig(), options);
  }

  /** The KubeConfig this client was made from, when there is one. */
  get kubeConfig(): KubeConfigLike | undefined {
    return this.#kubeConfig;
  }

  /**
   * A client that acts as another user, through the Impersonate-User header: the API server
   * authorizes each call as that user (e.g. a tenant's ServiceAccount), not as the controller.
   */
  impersonate(user: string | ServiceAccountRef, groups: string[] = []): Client {
    const userName = typeof user === 'string' ? user : `system:serviceaccount:${user.namespace}:${user.name}`;
    const headers: Record<string, string | string[]> = { 'Impersonate-User': userName };
    // One header line per group: the server does not split a header value on commas.
    if (groups.length > 0) headers['Impersonate-Group'] = groups;
    return new Client(this.#kubeConfig, {
      fieldManager: this.fieldManager,
      discovery: this.discovery,
      transport: this.transport.withHeaders(headers),
    });
  }

  /** A client with another default field manager, sharing connection and discovery. */
  withFieldManager(fieldManager: string): Client {
    return new Client(this.#kubeConfig, {
      fieldManager,
      discovery: this.discovery,
      transport: this.transport,
    });
  }

  mapping(apiVersion: string, kind: string): Promise<ResourceMapping> {
    return this.discovery.resolve(apiVersion, kind);
  }

  /** The REST path of a collection (`name` omitted) or of one object. */
  async path(apiVersion: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const m = await this.mapping(apiVersion, kind);
    return resourcePath(m, namespace, name);
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef, signal?: AbortSignal): Promise<T> {
    const path = await this.path(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    const res = await this.transport.request({
      method: 'GET',
      path,
      signal,
      context: `get ${describeObject(ref)}`,
    });
    return asObject<T>(res.body);
  }

  /** Like `get`, but undefined instead of NotFoundError. */
  async find<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(ref, signal);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Lists every page; `apiVersion`/`kind` are set on each item (the server leaves them out). */
  async list<T extends KubeObject = KubeObject>(options: ListOptions): Promise<ObjectList<T>> {
    const { apiVersion, kind } = options;
    const path = await this.path(apiVersion, kind, options.namespace);
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const query: Record<string, QueryValue> = {
        limit: options.limit ?? 500,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        continue: cont,
      };
      const res = await this.transport.request({
        method: 'GET',
        path,
        query,
        signal: options.signal,
        context: `list ${kind}`,
      });
      const body = isRecord(res.body) ? res.body : {};
      const meta = isRecord(body.metadata) ? body.metadata : {};
      resourceVersion = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : resourceVersion;
      cont = typeof meta.continue === 'string' && meta.continue ? meta.continue : undefined;
      for (const item of Array.isArray(body.items) ? body.items : []) {
        if (!isRecord(item)) continue;
        item.apiVersion = apiVersion;
        item.kind = kind;
        if (isKubeObject(item)) items.push(item as T);
      }
    } while (cont);
    return { items, resourceVersion };
  }

  async create<T extends KubeObject = KubeObject>(obj: KubeObject, options: PatchOptions = {}): Promise<T> {
    const path = await this.path(obj.apiVersion, obj.kind, obj.metadata.namespace);
    return this.#write<T>('POST', path, obj, options, { context: `create ${describeObject(obj)}` });
  }

  /** Server-side apply: the object is the field manager's whole intent for the fields it sets. */
  async apply<T extends KubeObject = KubeObject>(obj: KubeObject, options: ApplyOptions = {}): Promise<T> {
    const name = obj.metadata.name;
    if (!name) throw new Error(`apply ${obj.kind}: metadata.name is required`);
    const path = await this.path(obj.apiVersion, obj.kind, obj.metadata.namespace, name);
    return this.#write<T>('PATCH', path, obj, options, {
      force: options.force === true,
      contentType: 'application/apply-patch+yaml',
      context: `${options.dryRun ? 'dry-run apply' : 'apply'} ${describeObject(obj)}`,
    });
  }

  /** JSON merge patch (RFC 7386): `null` deletes a field; lists are replaced whole. */
  async patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    options: PatchOptions = {},
  ): Promise<T> {
    const path = await this.path(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    return this.#write<T>('PATCH', path, patch, options, {
      contentType: 'application/merge-patch+json',
      context: `patch ${describeObject(ref)}`,
    });
  }

  /** A create, apply or merge patch as the options' field manager, a dry run when they ask. */
  async #write<T extends KubeObject>(
    method: 'POST' | 'PATCH',
    path: string,
    body: unknown,
    options: PatchOptions,
    how: { context: string; force?: boolean; contentType?: string },
  ): Promise<T> {
    const res = await this.transport.request({
      method,
      path,
      query: {
        fieldManager: options.fieldManager ?? this.fieldManager,
        force: how.force ? true : undefined,
        dryRun: options.dryRun ? 'All' : undefined,
      },
      body,
      ...(how.contentType ? { contentType: how.contentType } : {}),
      signal: options.signal,
      context: how.context,
    });
    return asObject<T>(res.body);
  }

  /** Writes `status` through the status subresource, by merge patch or server-side apply. */
  async patchStatus<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    status: unknown,
    options: PatchStatusOptions = {},
  ): Promise<T> {
    const path = `${await this.path(ref.apiVersion, ref.kind, ref.namespace, ref.name)}/status`;
    const fieldManager = options.fieldManager ?? this.fieldManager;
    const apply = options.type === 'apply';
    const metadata: Record<string, string> = { name: ref.name };
    if (ref.namespace) metadata.namespace = ref.namespace;
    const res = await this.transport.request({
      method: 'PATCH',
      path,
      query: { fieldManager, force: apply && options.force !== false ? true : undefined },
      body: apply ? { apiVersion: ref.apiVersion, kind: ref.kind, metadata, status } : { status },
      contentType: apply ? 'application/apply-patch+yaml' : 'application/merge-patch+json',
      context: `patch status of ${describeObject(ref)}`,
    });
    return asObject<T>(res.body);
  }

  /** Deletes an object; NotFoundError when it is already gone. */
  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<void> {
    const path = await this.path(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    const body: Record<string, unknown> = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: options.propagationPolicy ?? 'Background',
    };
    if (options.uid) body.preconditions = { uid: options.uid };
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.dryRun) body.dryRun = ['All'];
    await this.transport.request({ method: 'DELETE', path, body, context: `delete ${describeObject(ref)}` });
  }

  /** Opens a watch on a kind; yields raw events until the server or the signal closes it. */
  async watch(
    apiVersion: string,
    kind: string,
    options: WatchOptions = {},
  ): Promise<AsyncIterable<WatchEvent>> {
    const path = await this.path(apiVersion, kind, options.namespace);
    const stream = await this.transport.stream({
      method: 'GET',
      path,
      query: {
        watch: 1,
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: options.allowWatchBookmarks ?? true,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        timeoutSeconds: options.timeoutSeconds,
      },
      signal: options.signal,
      context: `watch ${kind}`,
    });
    return toWatchEvents(stream);
  }
}

async function* toWatchEvents(stream: AsyncIterable<unknown>): AsyncGenerator<WatchEvent> {
  for await (const value of stream) {
    if (!isRecord(value) || typeof value.type !== 'string') continue;
    yield { type: value.type as WatchEvent['type'], object: value.object };
  }
}

export function resourcePath(m: ResourceMapping, namespace?: string, name?: string): string {
  let path = m.group ? `/apis/${m.group}/${m.version}` : `/api/${m.version}`;
  if (m.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${m.resource}`;
  if (name) path += `/${encodeURIComponent(name)}`;
  return path;
}

function asObject<T extends KubeObject>(body: unknown): T {
  if (!isKubeObject(body)) throw new Error('the API server answered with something that is not an object');
  return body as T;
}
