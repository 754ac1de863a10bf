/**
 * The bulk-apply limit: the same 4·N objects the N Kustomizations apply, applied as one set by
 * the runtime's apply engine (@weft/runtime/ssa) and waited for as `wait: true` does, on the same
 * apiserver, in one process. No controller, no per-Kustomization work (source, build, status,
 * events): what is left is the apiserver's work for these objects and the engine's.
 */
import { Label } from '@weft/api';
import { Client, KubeConfigTransport, type KubeObject, RestConfig } from '@weft/runtime/client';
import { ResourceManager } from '@weft/runtime/ssa';
import { parseAllDocuments } from 'yaml';
import { substituteText } from '../../src/substitute.ts';
import { RetryingTransport } from './retrying.ts';
import { appManifests, appVariables, type Shape } from './workload.ts';

export interface BulkResult {
  applyMs: number;
  /** Apply and health checks, as one Kustomization with `wait: true` would do for the set. */
  totalMs: number;
  cpuSeconds: number;
  /** Requests the apiserver answered 504/503/429 and that were retried, by status. */
  retries: Record<string, number>;
}

function renamed(obj: KubeObject, prefix: string): KubeObject {
  const copy = structuredClone(obj) as KubeObject & { spec?: Record<string, unknown> };
  copy.metadata.name = `${prefix}${copy.metadata.name}`;
  // What namePrefix's name references do for this app.
  const json = JSON.stringify(copy).replaceAll(
    '"serviceAccountName":"app"',
    `"serviceAccountName":"${prefix}app"`,
  );
  return JSON.parse(
    json.replaceAll('"service":{"name":"app"', `"service":{"name":"${prefix}app"`),
  ) as KubeObject;
}

/** The objects of app `index`, as its Kustomization builds them (namespace and owner labels). */
export function appObjects(shape: Shape, index: number, name: string, namespace: string): KubeObject[] {
  const text =
    shape === 'flux' ? substituteText(appManifests(shape), appVariables(index)) : appManifests(shape);
  return parseAllDocuments(text).map((doc) => {
    let obj = doc.toJS() as KubeObject;
    if (shape === 'shared') obj = renamed(obj, `${name}-`);
    obj.metadata.namespace = namespace;
    obj.metadata.labels = {
      ...obj.metadata.labels,
      [Label.KustomizeName]: name,
      [Label.KustomizeNamespace]: namespace,
    };
    return obj;
  });
}

/**
 * As many requests in flight as the controller can have: --concurrent reconciles of 10 each.
 * With the engine's default of 10 the set would be slower than the controller, not a limit.
 */
export function bulkConcurrency(concurrent: number): number {
  return concurrent * 10;
}

/** Applies with the controller's own kind of client (RestConfig from the kubeconfig file). */
export async function bulkApply(
  kubeconfigPath: string,
  count: number,
  shape: Shape,
  concurrency: number,
): Promise<BulkResult> {
  const config = RestConfig.fromFiles(kubeconfigPath);
  const transport = new RetryingTransport(new KubeConfigTransport(config));
  const client = new Client(config, { fieldManager: 'kustomize-controller', transport });
  const namespace = 'bulk';
  // Applied, not created: a retried create would answer AlreadyExists.
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const objects = Array.from({ length: count }, (_, i) =>
    appObjects(shape, i, `app-${String(i).padStart(4, '0')}`, namespace),
  ).flat();
  const manager = new ResourceManager(client, { concurrency });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const applied = await manager.applyAll(objects);
  const applyMs = performance.now() - started;
  await manager.wait(
    applied.changeSet.filter((e) => e.action !== 'skipped').map((e) => e.ref),
    { timeoutMs: 10 * 60_000, intervalMs: 1000 },
  );
  const totalMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    applyMs,
    totalMs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    retries: Object.fromEntries([...transport.retries].map(([code, n]) => [String(code), n])),
  };
}
