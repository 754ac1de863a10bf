/**
 * What the Controller's unit tests drive it with: an informer and a client that keep objects in
 * memory (the client applies patches to the informer's store, as the API server and its watch
 * would), a GitRepository-like object, and `setup` wiring a Controller on a fake clock.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { type Condition, ConditionType } from '@weft/api';
import type { KubeObject, ObjectRef } from '@weft/runtime/client';
import type { EventInput } from '@weft/runtime/events';
import { createLogger } from '@weft/runtime/log';
import { FakeScheduler } from '@weft/runtime/queue';
import { Controller, type InformerLike, type PatchClient, type Reconciler } from '@weft/runtime/reconcile';

export interface Repo extends KubeObject {
  spec: { interval?: string; retryInterval?: string; suspend?: boolean; url: string };
  status?:
    | {
        conditions?: Condition[];
        observedGeneration?: number;
        lastHandledReconcileAt?: string;
        artifact?: string;
      }
    | undefined;
}

export const keyOf = (obj: KubeObject) => `${obj.metadata.namespace}/${obj.metadata.name}`;

export class FakeInformer implements InformerLike<Repo> {
  readonly store = new Map<string, Repo>();
  readonly #add: Array<(o: Repo) => void> = [];
  readonly #update: Array<(o: Repo, n: Repo) => void> = [];
  readonly #delete: Array<(o: Repo) => void> = [];
  hasSynced = true;
  onAdd(h: (o: Repo) => void) {
    this.#add.push(h);
  }
  onUpdate(h: (o: Repo, n: Repo) => void) {
    this.#update.push(h);
  }
  onDelete(h: (o: Repo) => void) {
    this.#delete.push(h);
  }
  get(key: string) {
    return this.store.get(key);
  }
  async start() {}
  async stop() {}
  put(obj: Repo) {
    const old = this.store.get(keyOf(obj));
    this.store.set(keyOf(obj), obj);
    if (old) for (const h of this.#update) h(old, obj);
    else for (const h of this.#add) h(obj);
  }
  remove(key: string) {
    const old = this.store.get(key);
    this.store.delete(key);
    if (old) for (const h of this.#delete) h(old);
  }
}

/** Applies merge patches to the informer's store, as the API server + watch would. */
export class FakeClient implements PatchClient {
  readonly patches: Array<{ ref: ObjectRef; patch: unknown }> = [];
  readonly statusPatches: Array<{ ref: ObjectRef; status: unknown }> = [];
  readonly informer: FakeInformer;
  constructor(informer: FakeInformer) {
    this.informer = informer;
  }
  async patch(ref: ObjectRef, patch: unknown): Promise<KubeObject> {
    this.patches.push({ ref, patch });
    const current = structuredClone(this.informer.get(`${ref.namespace}/${ref.name}`));
    assert.ok(current);
    const meta = (patch as { metadata: { finalizers: string[] } }).metadata;
    current.metadata.finalizers = meta.finalizers;
    current.metadata.resourceVersion = String(Number(current.metadata.resourceVersion ?? 0) + 1);
    if (current.metadata.deletionTimestamp && meta.finalizers.length === 0)
      this.informer.remove(keyOf(current));
    else this.informer.put(current);
    return current;
  }
  async patchStatus(ref: ObjectRef, status: unknown): Promise<KubeObject> {
    this.statusPatches.push({ ref, status: structuredClone(status) });
    const current = structuredClone(this.informer.get(`${ref.namespace}/${ref.name}`));
    assert.ok(current);
    current.status = structuredClone(status) as Repo['status'];
    current.metadata.resourceVersion = String(Number(current.metadata.resourceVersion ?? 0) + 1);
    this.informer.put(current);
    return current;
  }
}

export function repo(overrides: Partial<Repo['spec']> = {}, generation = 1): Repo {
  return {
    apiVersion: 'source.weft.dev/v1',
    kind: 'GitRepository',
    metadata: { name: 'podinfo', namespace: 'flux-system', generation, resourceVersion: '1', uid: 'u1' },
    spec: { interval: '1m30s', url: 'https://example.com/podinfo.git', ...overrides },
  };
}

export function setup(reconcile: Reconciler<Repo>['reconcile'], extra: Partial<Reconciler<Repo>> = {}) {
  const informer = new FakeInformer();
  const client = new FakeClient(informer);
  const events: EventInput[] = [];
  const scheduler = new FakeScheduler(Date.parse('2026-05-01T00:00:00Z'));
  const calls = { reconcile: 0, finalize: 0 };
  const reconciler: Reconciler<Repo> = {
    apiVersion: 'source.weft.dev/v1',
    kind: 'GitRepository',
    conditions: [ConditionType.FetchFailed, ConditionType.ArtifactInStorage],
    reconcile: async (obj, ctx) => {
      calls.reconcile++;
      return reconcile(obj, ctx);
    },
    ...extra,
  };
  const controller = new Controller<Repo>({
    name: 'gitrepository',
    reconciler,
    informer,
    client,
    events: { record: async (_obj, input) => void events.push(input) },
    logger: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    scheduler,
    jitter: 0,
  });
  return { informer, client, events, controller, calls, scheduler };
}

export const ready = (obj: Repo | undefined) =>
  obj?.status?.conditions?.find((c) => c.type === ConditionType.Ready);
