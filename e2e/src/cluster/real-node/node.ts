/**
 * One real node beside the KWOK nodes: containerd (CRI, runc, the CNI bridge) and a kubelet
 * joined to the local control plane as `system:node:localhost`. Its pods are real containers.
 *
 * The apiserver reaches a kubelet (logs, exec, port-forward) by the node's Hostname address, and
 * the kubelet refuses a loopback node IP; `localhost` is the one name that resolves to loopback
 * on every machine without editing /etc/hosts, so that is the node's name in every cluster.
 *
 * The node is tainted `weft.dev/real-node=true:NoSchedule` and labelled `weft.dev/real-node=true`:
 * the KWOK-only tests keep scheduling on KWOK nodes unchanged, and a pod meant to run for real
 * (weft's controllers in the tests) selects the label and tolerates the taint.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolPath } from '../../toolchain.ts';
import { type ApiConnection, apiRequest } from '../http.ts';
import { nodeIsReady } from '../nodes.ts';
import { ManagedProcess } from '../process.ts';
import { waitUntil } from '../wait.ts';
import { exposeApiserverToPods } from './apiserver-service.ts';
import { createCgroupRoot, processesInCgroupRoot, removeCgroupRoot } from './cgroups.ts';
import { cniConfig, containerdConfig, kubeletConfig, type NodePaths, nodePaths } from './config.ts';
import { pauseImage } from './images.ts';
import { type KubeProxy, startKubeProxy } from './kube-proxy.ts';
import { claimSlot, type NodeSlot, type SlotNames } from './slot.ts';
import { createBridge, deleteLink, killShims, shimsOf, unmountBelow } from './teardown.ts';

const run = promisify(execFile);

export const realNodeName = 'localhost';
export const realNodeLabel = 'weft.dev/real-node';
export const realNodeTaint = { key: realNodeLabel, value: 'true', effect: 'NoSchedule' };
/** Where slots are claimed: host-wide, and gone after a reboot with the bridges and cgroups. */
const slotRegistry = '/run/weft-e2e/node-slots';

export interface RealNodeOptions {
  clusterName: string;
  /** The node's directory (state, sockets, logs). */
  dir: string;
  caCert: string;
  /** Kubeconfig of `system:node:localhost` (group system:nodes). */
  kubeconfig: string;
  /** An admin connection, to wait for the Node. */
  admin: ApiConnection;
  timeoutMs: number;
  progress: (message: string) => void;
  /** Also run kube-proxy (one node of the machine at a time), with this kubeconfig. */
  kubeProxyKubeconfig?: string;
}

export interface RealNode {
  readonly name: string;
  readonly slot: NodeSlot;
  readonly paths: NodePaths;
  /** Lets the node pull from a plain-HTTP registry on loopback (`127.0.0.1:PORT`). */
  trustRegistry(host: string): Promise<void>;
  /** Pids of containerd, the kubelet, the shims and every container process of the node. */
  pids(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Removes what a node whose owner died left behind in its slot (containers, shims, mounts). */
async function cleanUpStaleNode(slot: SlotNames, previousDir: string | undefined): Promise<void> {
  await removeCgroupRoot(slot.cgroupRoot).catch(() => undefined);
  if (previousDir) {
    await killShims(nodePaths(previousDir).containerdSocket).catch(() => undefined);
    await unmountBelow(previousDir);
  }
  await deleteLink(slot.bridge);
}

export async function startRealNode(options: RealNodeOptions): Promise<RealNode> {
  if (process.getuid?.() !== 0) throw new Error('a real node needs root (containerd, runc, cgroups, netns)');
  const slot = await claimSlot(slotRegistry, options.dir, cleanUpStaleNode);
  // Whatever an unknown earlier owner of these names left (a bridge, a cgroup) goes first.
  await cleanUpStaleNode(slot, undefined);
  const paths = nodePaths(options.dir);
  const image = pauseImage();
  for (const dir of [paths.containerdRoot, paths.containerdState, paths.registryHosts, paths.cniConf]) {
    await mkdir(dir, { recursive: true });
  }
  for (const dir of [paths.cniIpam, paths.kubeletRoot, paths.kubeletCerts, paths.podLogs]) {
    await mkdir(dir, { recursive: true });
  }
  await writeFile(join(options.dir, 'containerd.toml'), containerdConfig(paths, image.reference));
  await writeFile(join(paths.cniConf, '10-weft.conflist'), cniConfig(options.clusterName, slot, paths));
  await writeFile(paths.resolvConf, '# the e2e real node has no cluster DNS\n');
  await writeFile(
    paths.kubeletConfig,
    kubeletConfig({ slot, paths, caCert: options.caCert, taint: realNodeTaint }),
  );
  await createCgroupRoot(slot.cgroupRoot);

  // The bridge with its address before any pod: the apiserver relay binds that address, and the
  // CNI bridge plugin takes an existing bridge as it is.
  await createBridge(slot.bridge, `${slot.gateway}/24`);

  const containerdBin = toolPath('containerd');
  // containerd finds its shim and runc on PATH: the pinned shim first, Debian's runc in /usr/sbin.
  const env = { PATH: `${join(containerdBin, '..')}:/usr/sbin:/usr/bin:/sbin:/bin` };
  const logs = join(options.dir, 'logs');
  await mkdir(logs, { recursive: true });
  const containerd = new ManagedProcess({
    name: 'containerd',
    command: containerdBin,
    args: ['--config', join(options.dir, 'containerd.toml'), '--log-level', 'warn'],
    logFile: join(logs, 'containerd.log'),
    env,
  });
  const kubelet = new ManagedProcess({
    name: 'kubelet',
    command: toolPath('kubelet'),
    args: [
      `--config=${paths.kubeletConfig}`,
      `--kubeconfig=${options.kubeconfig}`,
      `--root-dir=${paths.kubeletRoot}`,
      `--cert-dir=${paths.kubeletCerts}`,
      `--hostname-override=${realNodeName}`,
      `--node-labels=${realNodeLabel}=true`,
      '--v=1',
    ],
    logFile: join(logs, 'kubelet.log'),
    env,
  });
  const ctr = (args: string[]) =>
    run(toolPath('ctr'), ['--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args], {
      env,
      maxBuffer: 16 * 1024 * 1024,
    });

  let proxy: KubeProxy | undefined;
  let apiserverService: { close(): Promise<void> } | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proxy?.stop();
    await apiserverService?.close();
    await kubelet.stop();
    // The containers first (they live in the node's cgroups), then their shims, then containerd.
    const report = (error: unknown) =>
      options.progress(`real node: ${error instanceof Error ? error.message : String(error)}`);
    await removeCgroupRoot(slot.cgroupRoot).catch(report);
    await killShims(paths.containerdSocket).catch(report);
    await containerd.stop();
    await unmountBelow(options.dir);
    await deleteLink(slot.bridge);
    await slot.release();
  };

  const started = Date.now();
  try {
    options.progress(`starting the real node (containerd, kubelet; slot ${slot.index})`);
    containerd.start();
    await waitUntil(
      'containerd',
      async () => (existsSync(paths.containerdSocket) && (await ctr(['version'])) ? true : undefined),
      { timeoutMs: options.timeoutMs, abort: containerd.crashed() },
    );
    await ctr(['images', 'import', '--no-unpack=false', '--snapshotter', 'overlayfs', image.archive]);
    kubelet.start();
    await waitUntil(
      `node ${realNodeName} Ready`,
      async () => {
        const res = await apiRequest(options.admin, 'GET', `/api/v1/nodes/${realNodeName}`);
        return res.status === 200 && nodeIsReady(res.json()) ? true : undefined;
      },
      { timeoutMs: options.timeoutMs, abort: Promise.race([containerd.crashed(), kubelet.crashed()]) },
    );
    options.progress(`real node ${realNodeName} Ready in ${Date.now() - started} ms`);
    if (options.kubeProxyKubeconfig) {
      proxy = await startKubeProxy({
        clusterName: options.clusterName,
        registryDir: slotRegistry,
        kubeconfig: options.kubeProxyKubeconfig,
        slot,
        hostname: realNodeName,
        logFile: join(logs, 'kube-proxy.log'),
        progress: options.progress,
      });
      await waitUntil(
        'kube-proxy /healthz',
        async () =>
          (await fetch(`http://127.0.0.1:${slot.ports.proxyHealthz}/healthz`)).ok ? true : undefined,
        { timeoutMs: options.timeoutMs, abort: proxy.process.crashed() },
      );
      apiserverService = await exposeApiserverToPods({ admin: options.admin, slot });
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    name: realNodeName,
    slot,
    paths,
    async trustRegistry(host) {
      const dir = join(paths.registryHosts, host);
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, 'hosts.toml'),
        `server = "http://${host}"\n\n[host."http://${host}"]\n  capabilities = ["pull", "resolve"]\n`,
      );
    },
    async pids() {
      const own = [containerd.pid, kubelet.pid, proxy?.process.pid].filter(
        (pid): pid is number => pid !== undefined && existsSync(`/proc/${pid}`),
      );
      return [
        ...own,
        ...(await shimsOf(paths.containerdSocket)),
        ...(await processesInCgroupRoot(slot.cgroupRoot)),
      ];
    },
    stop,
  };
}
