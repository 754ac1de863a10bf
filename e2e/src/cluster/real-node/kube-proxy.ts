/**
 * kube-proxy for a real node, opt-in (`realNode: { kubeProxy: true }`): ClusterIP Services
 * reach pods on the node's bridge, from the host and from pods (host-network pods included).
 *
 * Its iptables chains (KUBE-SERVICES, …) are host-wide and every kube-proxy rewrites them whole,
 * so only one node of this machine may run it at a time: a lock (mkdir, with the owner's pid)
 * says which, and a second asks fails with a message naming the holder. Left to itself
 * kube-proxy also changes host-wide settings; the flags keep it from doing so: conntrack limits
 * and timeouts as they are, NodePorts only on the node's bridge address (never on loopback,
 * which would make it turn on route_localnet for the whole host).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolPath } from '../../toolchain.ts';
import { ManagedProcess } from '../process.ts';
import type { NodeSlot } from './slot.ts';

const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes every KUBE-* rule and chain kube-proxy made (its own `--cleanup`). */
async function cleanUpRules(): Promise<void> {
  await run(toolPath('kube-proxy'), ['--cleanup']).catch(() => undefined);
}

async function takeLock(lock: string, clusterName: string): Promise<void> {
  try {
    await mkdir(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const [pid, holder] = (await readFile(join(lock, 'owner'), 'utf8').catch(() => 'NaN ?')).split(' ');
    if (alive(Number(pid))) {
      throw new Error(
        `kube-proxy runs for the real node of cluster "${holder}" (pid ${pid}); its iptables chains are host-wide, so only one node of this machine can have it`,
      );
    }
    await cleanUpRules(); // a dead holder's rules
    await rm(lock, { recursive: true, force: true });
    return takeLock(lock, clusterName);
  }
  await writeFile(join(lock, 'owner'), `${process.pid} ${clusterName}`);
}

export interface KubeProxy {
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startKubeProxy(options: {
  clusterName: string;
  registryDir: string;
  kubeconfig: string;
  slot: NodeSlot;
  hostname: string;
  logFile: string;
}): Promise<KubeProxy> {
  const lock = join(options.registryDir, 'kube-proxy');
  await takeLock(lock, options.clusterName);
  const { slot } = options;
  const proxy = new ManagedProcess({
    name: 'kube-proxy',
    command: toolPath('kube-proxy'),
    args: [
      `--kubeconfig=${options.kubeconfig}`,
      '--proxy-mode=iptables',
      `--hostname-override=${options.hostname}`,
      `--cluster-cidr=${slot.podSubnet}`,
      `--healthz-bind-address=127.0.0.1:${slot.ports.proxyHealthz}`,
      `--metrics-bind-address=127.0.0.1:${slot.ports.proxyMetrics}`,
      `--nodeport-addresses=${slot.gateway}/32`,
      '--conntrack-max-per-core=0',
      '--conntrack-tcp-timeout-established=0',
      '--conntrack-tcp-timeout-close-wait=0',
      '--v=1',
    ],
    logFile: options.logFile,
  });
  proxy.start();
  return {
    process: proxy,
    async stop() {
      await proxy.stop();
      await cleanUpRules();
      await rm(lock, { recursive: true, force: true });
    },
  };
}
