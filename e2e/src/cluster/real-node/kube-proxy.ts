/**
 * kube-proxy for a real node, opt-in (`realNode: { kubeProxy: true }`): ClusterIP Services
 * reach pods on the node's bridge, from the host and from pods (host-network pods included).
 *
 * Its iptables chains (KUBE-SERVICES, …) are host-wide and every kube-proxy rewrites them whole,
 * so only one node of this machine may run it at a time. A second one **waits** for the first
 * to finish rather than failing or racing it: kube-proxy runs under a machine-wide `flock(1)`
 * lock, held by the small shell that supervises it, which under the lock first removes whatever
 * rules an earlier holder that died left (`kube-proxy --cleanup`), then runs kube-proxy, and on
 * SIGTERM stops it and removes its rules before it lets go of the lock. The kernel drops the lock
 * when its holder dies, however it dies, so there is no stale-owner logic to get wrong (the
 * earlier mkdir lock had a window in which a second starter took a fresh lock for a dead one and
 * wiped the live holder's rules).
 *
 * Left to itself kube-proxy also changes host-wide settings; the flags keep it from doing so:
 * conntrack limits and timeouts as they are, NodePorts only on the node's bridge address (never
 * on loopback, which would make it turn on route_localnet for the whole host).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toolPath } from '../../toolchain.ts';
import { ManagedProcess } from '../process.ts';
import { waitUntil } from '../wait.ts';
import type { NodeSlot } from './slot.ts';

/**
 * Runs as `sh -c <script> sh <lock> <owner> <kube-proxy> <args…>`: the lock on fd 9, then
 * kube-proxy as a child it can stop and clean up after. Every process has a parent-death signal,
 * so nothing survives the test that started it.
 */
const supervisor = `
lock=$1 owner=$2 proxy=$3; shift 3
exec 9>"$lock"
setpriv --pdeathsig KILL -- flock --exclusive 9 || exit 1
printf '%s' "$owner" >"$lock.owner"
"$proxy" --cleanup >/dev/null 2>&1
setpriv --pdeathsig KILL -- "$proxy" "$@" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; "$proxy" --cleanup >/dev/null 2>&1; exit 0' TERM INT
wait $pid
status=$?
"$proxy" --cleanup >/dev/null 2>&1
exit $status
`;

/** Who holds (or last held) the machine's kube-proxy lock: "<pid> <cluster> <token>". */
async function lockOwner(lock: string): Promise<string | undefined> {
  return readFile(`${lock}.owner`, 'utf8').catch(() => undefined);
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
  /** How long to wait for another node's kube-proxy to finish (default 20 minutes). */
  lockTimeoutMs?: number;
  progress?: (message: string) => void;
}): Promise<KubeProxy> {
  const lock = join(options.registryDir, 'kube-proxy.lock');
  const owner = `${process.pid} ${options.clusterName} ${randomBytes(4).toString('hex')}`;
  const { slot } = options;
  const proxy = new ManagedProcess({
    name: 'kube-proxy',
    command: 'sh',
    args: [
      '-c',
      supervisor,
      'sh',
      lock,
      owner,
      toolPath('kube-proxy'),
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
  const holds = async () => ((await lockOwner(lock)) === owner ? true : undefined);
  try {
    // A free lock is taken at once; say that we wait only when we do.
    const free = await waitUntil('the kube-proxy lock', holds, { timeoutMs: 3_000, abort: proxy.crashed() })
      .then(() => true)
      .catch(() => false);
    if (!free) {
      const holder = (await lockOwner(lock))?.split(' ')[1];
      options.progress?.(
        `kube-proxy: waiting for the machine's kube-proxy lock${holder ? ` (held by cluster "${holder}")` : ''}: its iptables chains are host-wide`,
      );
      await waitUntil('the kube-proxy lock', holds, {
        timeoutMs: options.lockTimeoutMs ?? 20 * 60_000,
        abort: proxy.crashed(),
      });
    }
  } catch (error) {
    await proxy.stop();
    throw error;
  }
  return {
    process: proxy,
    async stop() {
      // SIGTERM to the supervisor: it stops kube-proxy, removes its rules, then the lock goes.
      await proxy.stop(30_000);
    },
  };
}
