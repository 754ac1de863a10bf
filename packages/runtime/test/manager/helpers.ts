/**
 * Shared by the manager tests: installing the weft CRDs, waiting for a condition, reading the
 * probes server, and a GitRepository reconciler that counts what it does.
 */
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { crds, SourceApiVersion } from '@weft/api';
import { eventually, installCrds as installCrdsWith, testNamespace, useCluster } from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import type { ReconcileContext, ReconcileResult, Reconciler } from '@weft/runtime/reconcile';

// The shared poller, re-exported so the tests keep importing it from here.
export { eventually };

export const GitRepositoryRef = { apiVersion: SourceApiVersion, kind: 'GitRepository' } as const;

export { sleep } from '@weft/runtime/retry';

/**
 * Installs every weft CRD with server-side apply (the runtime client sends the JSON as is,
 * unlike client-node's typed API) and waits until each is Established and served.
 */
export async function installCrds(kubeConfig: KubeConfig): Promise<void> {
  const installer = new Client(kubeConfig, { fieldManager: 'weft-manager-test' });
  await installCrdsWith(installer, crds(), 'weft-manager-test');
  // Discovery of a fresh client must see the new kinds before a test relies on them.
  await eventually('GitRepository served', () =>
    new Client(kubeConfig).list({ ...GitRepositoryRef, limit: 1 }),
  );
}

/**
 * What every manager test file starts with: the run's cluster with the weft CRDs, a namespace of
 * its own and a client writing as `fieldManager`. Call at the top level (testNamespace registers
 * an after() that belongs to the file).
 */
export async function managerTestCluster(
  prefix: string,
  fieldManager: string,
): Promise<{ kubeConfig: KubeConfig; kubeconfigPath: string; ns: string; client: Client }> {
  const cluster = await useCluster();
  const kubeConfig = await cluster.kubeConfig();
  await installCrds(kubeConfig);
  const ns = await testNamespace(kubeConfig, prefix);
  return {
    kubeConfig,
    kubeconfigPath: cluster.kubeconfigPath,
    ns,
    client: new Client(kubeConfig, { fieldManager }),
  };
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export function httpGet(address: AddressInfo | undefined, path: string): Promise<HttpAnswer> {
  if (!address) return Promise.reject(new Error('the server is not listening'));
  return new Promise((resolve, reject) => {
    get({ host: address.address, port: address.port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    }).on('error', reject);
  });
}

export interface GitRepositoryObject extends KubeObject {
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    lastHandledReconcileAt?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

export function gitRepository(
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
): KubeObject {
  return {
    ...GitRepositoryRef,
    metadata: { name, namespace },
    spec: { url: 'https://example.com/repo.git', interval: '10m', ref: { branch: 'main' }, ...spec },
  };
}

export function readyCondition(obj: KubeObject | undefined) {
  return (obj as GitRepositoryObject | undefined)?.status?.conditions?.find((c) => c.type === 'Ready');
}

/** What one reconcile of an object saw. */
export interface Seen {
  name: string;
  generation: number | undefined;
  labels: Record<string, string>;
  at: number;
}

/** How the toy reconciler treats one object; changed by the tests while it runs. */
export interface Behaviour {
  /** Throw this message instead of succeeding. */
  fail?: string;
  /** Wait for this before returning (an in-flight reconcile the test controls). */
  gate?: Promise<void>;
  /** Called when the reconcile starts. */
  onStart?: () => void;
  requeueAfter?: number;
  /** Block until the manager aborts the reconcile signal, then throw (a reconcile that overruns). */
  untilAborted?: boolean;
}

/**
 * A toy GitRepository reconciler: marks ArtifactInStorage True (with the reconcile number in the
 * message, so every reconcile really changes the status) and asks to be requeued.
 */
export class CountingReconciler implements Reconciler<KubeObject> {
  readonly apiVersion = SourceApiVersion;
  readonly kind = 'GitRepository';
  readonly conditions = ['ArtifactInStorage'];
  readonly seen: Seen[] = [];
  readonly finalized: string[] = [];
  readonly behaviour = new Map<string, Behaviour>();
  readonly signals: AbortSignal[] = [];
  completed = 0;

  count(name: string): number {
    return this.seen.filter((s) => s.name === name).length;
  }

  async reconcile(obj: KubeObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    const name = obj.metadata.name ?? '';
    this.seen.push({
      name,
      generation: obj.metadata.generation,
      labels: { ...(obj.metadata.labels ?? {}) },
      at: Date.now(),
    });
    this.signals.push(ctx.signal);
    const behaviour = this.behaviour.get(name) ?? {};
    behaviour.onStart?.();
    if (behaviour.gate) await behaviour.gate;
    if (behaviour.untilAborted) {
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      throw new Error('reconcile aborted by shutdown');
    }
    if (behaviour.fail !== undefined) throw new Error(behaviour.fail);
    conditions.markTrue(
      obj as unknown as conditions.Conditioned,
      'ArtifactInStorage',
      'Succeeded',
      `reconcile #${this.count(name)}`,
    );
    this.completed++;
    return { requeueAfter: behaviour.requeueAfter ?? 600_000 };
  }

  async finalize(obj: KubeObject): Promise<void> {
    this.finalized.push(obj.metadata.name ?? '');
  }
}

/** A promise with its resolve function. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * The value of the first sample of `metric` whose labels include all of `labels`, from a
 * Prometheus text exposition; undefined when there is none.
 */
export function sample(
  text: string,
  metric: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== metric) continue;
    const found = new Map<string, string>();
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      found.set(pair[1] ?? '', pair[2] ?? '');
    }
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}
