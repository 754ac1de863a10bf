/**
 * weft installed into a test cluster the way users install it: the controller images (built by
 * `e2e/run setup`) pushed to an e2e registry, pulled by the real node, and `helm install` of
 * charts/weft. The controllers then run as pods on the real node.
 *
 * Networking (docs/e2e.md, "Running weft in the cluster in tests"): the pods use host networking,
 * because the control plane and the test servers (git, registry, webhook sinks) listen on
 * loopback, and the node has no cluster DNS; kube-proxy is one per machine, so tests relying on
 * it could not run side by side. So the values give every controller its own free ports, point
 * the pods at the apiserver on 127.0.0.1, and make source-controller advertise its artifact
 * server on 127.0.0.1. Everything else is the chart's default, what a real cluster gets.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api } from '@kubernetes/client-node';
import { pushImageLayout } from '../servers/oci-layout.ts';
import { type OciRegistry, startOciRegistry } from '../servers/oci-registry.ts';
import { repoRoot, toolPath } from '../toolchain.ts';
import type { Cluster } from './cluster.ts';
import { freePort } from './ports.ts';
import { imagesDir, onRealNode } from './real-node/index.ts';
import { waitUntil } from './wait.ts';
import { checkWeftControllers, type WeftController, weftControllers } from './weft-controllers.ts';

const run = promisify(execFile);

export { type WeftController, weftControllers } from './weft-controllers.ts';

/** The tag of the images setup builds and of the chart's appVersion. */
export const weftImageTag = '0.1.0';

/** Each controller's ports on the node (host networking: one set per controller and cluster). */
export interface ControllerPorts {
  metrics: number;
  health: number;
  /** source-controller's artifact server. */
  storage?: number;
  /** notification-controller's webhook receiver. */
  receiver?: number;
}

export interface InstallWeftOptions {
  /** The controllers to run; every other `<controller>.enabled` is false. */
  components: readonly WeftController[];
  /** Merged over the in-cluster values (e.g. `{ logLevel: 'debug' }`). */
  values?: Record<string, unknown>;
  /** Default `weft-system`. */
  namespace?: string;
  /** Default `weft`. */
  release?: string;
  /** A registry to push the images to; by default one is started and stopped with `stop()`. */
  registry?: OciRegistry;
  /** For `helm install --wait` and the Deployments (default 5 minutes: pulls on a loaded machine). */
  timeoutMs?: number;
}

export interface ControllerProcess {
  pid: number;
  uid: string;
  rssMiB: number;
}

export interface WeftInstallation {
  readonly namespace: string;
  readonly release: string;
  readonly components: readonly WeftController[];
  readonly ports: Partial<Record<WeftController, ControllerPorts>>;
  /** `http://127.0.0.1:<port>`: source-controller's artifact server, as artifact URLs name it. */
  readonly artifactServer: string | undefined;
  /** `http://127.0.0.1:<port>`: notification-controller's receiver. */
  readonly receiver: string | undefined;
  /** The values the release was installed with (the chart's defaults fill in the rest). */
  readonly values: Record<string, unknown>;
  /** Milliseconds from `helm install` to each Deployment Available (image pull included). */
  readonly readyMs: Partial<Record<WeftController, number>>;
  readonly registry: OciRegistry;
  /** `helm <args> --namespace <ns> --kubeconfig <admin>`. */
  helm(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** `helm upgrade --reuse-values` with more values. */
  upgrade(values: Record<string, unknown>): Promise<void>;
  /** The controller's process on the node (the node runs on this host), for RSS and kills. */
  processOf(component: WeftController): Promise<ControllerProcess>;
  /** `helm uninstall --wait`. */
  uninstall(): Promise<void>;
  /**
   * Uninstalls unless done (or `uninstall: false`, for a cluster about to be stopped anyway,
   * which saves waiting for each pod's graceful shutdown), stops the registry if it was started
   * here, removes the values files.
   */
  stop(options?: { uninstall?: boolean }): Promise<void>;
}

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = merged[key];
    const mergeable = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    merged[key] =
      mergeable(current) && mergeable(value)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return merged;
}

/**
 * Pushes each controller's image layout (`imagesDir()/<controller>`) as `weft/<controller>:0.1.0`;
 * the runtime layer all share is uploaded once and mounted into the other repositories.
 */
export async function pushWeftImages(
  registry: OciRegistry,
  components: readonly WeftController[],
): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  const pushed: string[] = [];
  for (const name of components) {
    digests[name] = await pushImageLayout(
      { url: registry.url },
      join(imagesDir(), name),
      `weft/${name}`,
      weftImageTag,
      { mountFrom: pushed },
    );
    pushed.push(`weft/${name}`);
  }
  return digests;
}

/** Free ports for each controller: host networking puts them all on this machine's ports. */
export async function allocatePorts(
  components: readonly WeftController[],
): Promise<Partial<Record<WeftController, ControllerPorts>>> {
  const ports: Partial<Record<WeftController, ControllerPorts>> = {};
  for (const name of components) {
    const [metrics, health, serving] = await Promise.all([freePort(), freePort(), freePort()]);
    ports[name] = {
      metrics: metrics,
      health: health,
      ...(name === 'source-controller' ? { storage: serving } : {}),
      ...(name === 'notification-controller' ? { receiver: serving } : {}),
    };
  }
  return ports;
}

/**
 * The chart values that run weft on the e2e real node: images from `registryHost`, host
 * networking with the given ports, the apiserver on loopback, the node's selector and toleration.
 * Also what a `weft install` test needs (the CLI takes the same values).
 */
export function inClusterValues(options: {
  cluster: Pick<Cluster, 'server'>;
  registryHost: string;
  components: readonly WeftController[];
  ports: Partial<Record<WeftController, ControllerPorts>>;
}): Record<string, unknown> {
  checkWeftControllers(options.components);
  const apiserver = new URL(options.cluster.server);
  const perController = Object.fromEntries(
    weftControllers.map((name) => {
      const ports = options.ports[name];
      if (!options.components.includes(name) || !ports) return [name, { enabled: false }];
      return [
        name,
        {
          enabled: true,
          ports,
          // A new pod could not take the old one's ports (hostPorts) on the one real node.
          strategy: { type: 'Recreate' },
          ...onRealNode,
          // A pod's own env wins over the kubernetes Service variables the kubelet injects.
          extraEnv: [
            { name: 'KUBERNETES_SERVICE_HOST', value: apiserver.hostname },
            { name: 'KUBERNETES_SERVICE_PORT', value: apiserver.port },
          ],
          // The last --storage-adv-addr wins: artifact URLs on loopback, where consumers (pods on
          // the host network, the tests) reach it.
          ...(ports.storage ? { extraArgs: [`--storage-adv-addr=127.0.0.1:${ports.storage}`] } : {}),
        },
      ];
    }),
  );
  return {
    image: { registry: options.registryHost, tag: weftImageTag, pullPolicy: 'IfNotPresent' },
    hostNetwork: true,
    ...perController,
  };
}

/** The pid, uid and RSS of the process on the real node whose command line names `bin`. */
export async function nodeProcess(cluster: Cluster, bin: string): Promise<ControllerProcess> {
  const node = cluster.realNode;
  if (!node) throw new Error('the cluster has no real node');
  for (const pid of await node.pids()) {
    let cmdline: string;
    let status: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (!cmdline.includes(bin)) continue;
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return { pid, uid: /Uid:\s+(\d+)/.exec(status)?.[1] ?? '', rssMiB: Math.round(kib / 102.4) / 10 };
  }
  throw new Error(`no ${bin} process on the real node`);
}

interface DeploymentStatus {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; availableReplicas?: number; updatedReplicas?: number };
}

/** A Deployment rolled out: its current generation observed, every replica updated and available. */
export function deploymentRolledOut(deployment: DeploymentStatus): boolean {
  const want = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  return (
    status.observedGeneration === deployment.metadata?.generation &&
    status.updatedReplicas === want &&
    status.availableReplicas === want
  );
}

/**
 * Installs charts/weft on the cluster's real node (`startCluster({ realNode: true })`) with only
 * `components` enabled, and waits until every Deployment is Available.
 */
export async function installWeft(cluster: Cluster, options: InstallWeftOptions): Promise<WeftInstallation> {
  if (!cluster.realNode) throw new Error('installWeft needs a cluster with a real node (realNode: true)');
  checkWeftControllers(options.components);
  const namespace = options.namespace ?? 'weft-system';
  const release = options.release ?? 'weft';
  const timeoutMs = options.timeoutMs ?? 300_000;
  const ownsRegistry = options.registry === undefined;
  const registry = options.registry ?? (await startOciRegistry());
  const work = await mkdtemp(join(tmpdir(), 'weft-install-'));
  const apps = (await cluster.kubeConfig()).makeApiClient(AppsV1Api);
  const helm = (...args: string[]) =>
    run(toolPath('helm'), [...args, '--namespace', namespace, '--kubeconfig', cluster.kubeconfigPath], {
      maxBuffer: 64 * 1024 * 1024,
    });
  let valuesFiles = 0;
  const valuesFile = async (values: Record<string, unknown>) => {
    const path = join(work, `values-${valuesFiles++}.json`);
    await writeFile(path, JSON.stringify(values)); // JSON is YAML
    return path;
  };

  await cluster.realNode.trustRegistry(registry.host);
  await pushWeftImages(registry, options.components);
  const ports = await allocatePorts(options.components);
  const values = deepMerge(
    inClusterValues({ cluster, registryHost: registry.host, components: options.components, ports }),
    options.values ?? {},
  );
  const started = Date.now();
  const readyMs: Partial<Record<WeftController, number>> = {};
  const rolledOut = async (name: WeftController) => {
    const deployment = await apps.readNamespacedDeployment({ name, namespace }).catch(() => undefined);
    return deployment !== undefined && deploymentRolledOut(deployment as DeploymentStatus);
  };
  const waitRolledOut = (name: WeftController) =>
    waitUntil(`${name} rolled out`, async () => ((await rolledOut(name)) ? true : undefined), {
      timeoutMs,
    });

  // --take-ownership: the CRDs may exist already (another release, `weft install`, kubectl).
  const install = helm(
    'install',
    release,
    join(repoRoot, 'charts', 'weft'),
    '--create-namespace',
    '--take-ownership',
    '--values',
    await valuesFile(values),
    '--timeout',
    `${Math.ceil(timeoutMs / 1000)}s`,
  );
  await install;
  await Promise.all(
    options.components.map(async (name) => {
      await waitRolledOut(name);
      readyMs[name] = Date.now() - started;
    }),
  );

  let uninstalled = false;
  const installation: WeftInstallation = {
    namespace,
    release,
    components: options.components,
    ports,
    artifactServer: ports['source-controller']?.storage
      ? `http://127.0.0.1:${ports['source-controller'].storage}`
      : undefined,
    receiver: ports['notification-controller']?.receiver
      ? `http://127.0.0.1:${ports['notification-controller'].receiver}`
      : undefined,
    values,
    readyMs,
    registry,
    helm,
    async upgrade(more) {
      await helm(
        'upgrade',
        release,
        join(repoRoot, 'charts', 'weft'),
        '--reuse-values',
        '--values',
        await valuesFile(more),
      );
      await Promise.all(options.components.map(waitRolledOut));
    },
    processOf: (component) => nodeProcess(cluster, `weft-${component}.js`),
    async uninstall() {
      if (uninstalled) return;
      uninstalled = true;
      await helm('uninstall', release, '--wait', '--timeout', `${Math.ceil(timeoutMs / 1000)}s`);
    },
    async stop(stopOptions) {
      if (stopOptions?.uninstall !== false) await installation.uninstall().catch(() => undefined);
      if (ownsRegistry) await registry.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
  return installation;
}
