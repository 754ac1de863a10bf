/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and KWOK (fake nodes whose pods become Ready), all built from pinned versions
 * (see ../toolchain.ts), and on request one real node (containerd + kubelet, ./real-node/).
 * Every port is picked free, so several clusters can run at once.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { toolPath } from '../toolchain.ts';
import { generateCertificates } from './certs.ts';
import { type ApiConnection, apiConnection, apiRequest } from './http.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { kwokNode, nodeIsReady } from './nodes.ts';
import { freePort } from './ports.ts';
import { ManagedProcess } from './process.ts';
import { type RealNode, realNodeName, startRealNode } from './real-node/node.ts';
import { waitUntil } from './wait.ts';

export interface ClusterOptions {
  /** A name for logs and the kubeconfig context (default: weft-e2e). */
  name?: string;
  /** Where state, certificates and logs go; default a new temp dir, removed by stop(). */
  dir?: string;
  /** KWOK nodes to create (default 2). */
  nodes?: number;
  /**
   * Also start one real node (containerd and a kubelet; needs root and e2e/run setup's node
   * parts). It is named `localhost`, labelled and tainted `weft.dev/real-node=true`: pods that
   * should really run select the label and tolerate the taint; all others stay on KWOK nodes.
   */
  realNode?: boolean | RealNodeClusterOptions;
  /** Extra kube-apiserver flags, e.g. ['--watch-cache=false']. */
  apiserverArgs?: string[];
  /**
   * Extra kube-controller-manager flags, appended after the harness's own (a repeated flag's last
   * value wins), e.g. ['--kube-api-qps=500', '--kube-api-burst=1000']: its client's rate limit
   * (default 20 QPS, burst 30) is what bounds how fast many new Deployments roll out.
   */
  controllerManagerArgs?: string[];
  /** How long to wait for the whole control plane (default 180 s). */
  startTimeoutMs?: number;
  /** Progress lines, for people watching `up` or the demo. */
  onProgress?: (message: string) => void;
}

export interface RealNodeClusterOptions {
  /**
   * Run kube-proxy too, so ClusterIP Services work on the node (from the host and from pods).
   * Only one node of the machine can have it at a time (its iptables chains are host-wide).
   */
  kubeProxy?: boolean;
}

export interface Cluster {
  readonly name: string;
  readonly dir: string;
  /** Admin kubeconfig (system:masters), certificates embedded. */
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly etcdUrl: string;
  /** A @kubernetes/client-node KubeConfig for the admin kubeconfig. */
  kubeConfig(): Promise<KubeConfig>;
  /** Stops the apiserver and starts it again on the same port; clients see a broken watch. */
  restartApiserver(): Promise<void>;
  /** Compacts etcd's history up to now, so watches resuming from older versions get 410 Gone. */
  etcdCompact(): Promise<number>;
  /** The pids of the component processes (for tests that check nothing is left behind). */
  pids(): number[];
  /** The real node, when started with `realNode: true`. */
  readonly realNode: RealNode | undefined;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const baseIdentities = {
  admin: { user: 'weft-admin', groups: ['system:masters'] },
  'controller-manager': { user: 'system:kube-controller-manager', groups: [] },
  scheduler: { user: 'system:kube-scheduler', groups: [] },
};
// The real node's kubelet, authorised by the Node authorizer, and the apiserver's identity
// towards kubelets (logs, exec, port-forward), which the kubelet's webhook authorisation checks.
const realNodeIdentities = {
  node: { user: `system:node:${realNodeName}`, groups: ['system:nodes'] },
  // Bound to system:node-proxier by the apiserver's bootstrap policy.
  'kube-proxy': { user: 'system:kube-proxy', groups: [] },
  'kubelet-client': { user: 'kube-apiserver-kubelet-client', groups: ['system:masters'] },
};

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const name = options.name ?? 'weft-e2e';
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'weft-cluster-')));
  const progress = options.onProgress ?? (() => {});
  const timeoutMs = options.startTimeoutMs ?? 180_000;
  await mkdir(join(dir, 'logs'), { recursive: true });

  const [etcdPort, etcdPeerPort, apiserverPort, managerPort, schedulerPort, kwokPort] = await Promise.all(
    Array.from({ length: 6 }, freePort),
  );
  const server = `https://127.0.0.1:${apiserverPort}`;
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  progress('generating certificates');
  const identities: Record<string, { user: string; groups: string[] }> = {
    ...baseIdentities,
    ...(options.realNode ? realNodeIdentities : {}),
  };
  const certs = await generateCertificates(dir, identities);
  const kubeconfigs = Object.fromEntries(
    await Promise.all(
      Object.entries(identities).map(async ([id, identity]) => {
        const path = join(dir, `${id}.kubeconfig`);
        const client = certs.clients[id]!;
        await writeKubeconfig({
          path,
          clusterName: name,
          server,
          caCert: certs.caCert,
          clientCert: client.cert,
          clientKey: client.key,
          user: identity.user,
        });
        return [id, path] as const;
      }),
    ),
  ) as Record<keyof typeof baseIdentities, string> & Partial<Record<keyof typeof realNodeIdentities, string>>;
  const admin = apiConnection(server, {
    ca: certs.caCert,
    cert: certs.clients.admin!.cert,
    key: certs.clients.admin!.key,
  });

  const proc = (component: string, command: string, args: string[]) =>
    new ManagedProcess({ name: component, command, args, logFile: join(dir, 'logs', `${component}.log`) });
  const kwokBinary = toolPath('kwok');
  const processes = {
    etcd: proc('etcd', toolPath('etcd'), [
      ...['--name', 'weft', '--data-dir', join(dir, 'etcd')],
      ...['--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl],
      ...['--listen-peer-urls', `http://127.0.0.1:${etcdPeerPort}`],
      ...['--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeerPort}`],
      ...['--initial-cluster', `weft=http://127.0.0.1:${etcdPeerPort}`],
      // A test cluster's data is thrown away: skipping fsync makes every write much cheaper.
      ...['--unsafe-no-fsync', '--log-level', 'warn', '--quota-backend-bytes', String(4 * 1024 ** 3)],
    ]),
    apiserver: proc('kube-apiserver', toolPath('kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiserverPort}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${certs.serverCert}`,
      `--tls-private-key-file=${certs.serverKey}`,
      `--client-ca-file=${certs.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${certs.serviceAccountPub}`,
      `--service-account-signing-key-file=${certs.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      options.realNode ? '--authorization-mode=Node,RBAC' : '--authorization-mode=RBAC',
      ...(options.realNode
        ? [
            `--kubelet-client-certificate=${certs.clients['kubelet-client']!.cert}`,
            `--kubelet-client-key=${certs.clients['kubelet-client']!.key}`,
            // The node is named localhost: its Hostname address is loopback.
            '--kubelet-preferred-address-types=Hostname',
          ]
        : []),
      // Endpoints may not hold loopback addresses: without this the apiserver logs an error
      // every few seconds trying to publish 127.0.0.1 as the kubernetes Service's endpoint.
      '--endpoint-reconciler-type=none',
      '--allow-privileged=true',
      '--profiling=false',
      ...(options.apiserverArgs ?? []),
    ]),
    controllerManager: proc('kube-controller-manager', toolPath('kube-controller-manager'), [
      `--kubeconfig=${kubeconfigs['controller-manager']}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${managerPort}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${certs.serviceAccountKey}`,
      `--root-ca-file=${certs.caCert}`,
      `--cluster-signing-cert-file=${certs.caCert}`,
      `--cluster-signing-key-file=${certs.caKey}`,
      // Each controller acts as its own kube-system ServiceAccount with the bootstrap roles, as
      // in kubeadm clusters; the manager's identity alone may do almost nothing.
      '--use-service-account-credentials=true',
      // KWOK's node heartbeats run late on a loaded machine (8 test runs on 2 cores): with the
      // default 50 s grace the nodes flap NotReady, and KWOK never makes their pods Ready again,
      // so Deployments that were Available stay unavailable for good.
      '--node-monitor-grace-period=5m',
      ...(options.controllerManagerArgs ?? []),
    ]),
    scheduler: proc('kube-scheduler', toolPath('kube-scheduler'), [
      `--kubeconfig=${kubeconfigs.scheduler}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedulerPort}`,
      '--leader-elect=false',
    ]),
    kwok: proc('kwok', kwokBinary, [
      `--kubeconfig=${kubeconfigs.admin}`,
      `--config=${join(dirname(kwokBinary), 'stages.yaml')}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--cidr=10.244.0.1/16',
      '--node-ip=10.0.0.1',
      `--server-address=127.0.0.1:${kwokPort}`,
    ]),
  };
  const all = Object.values(processes);
  let realNode: RealNode | undefined;
  const stopAll = async () => {
    await realNode?.stop();
    for (const p of [...all].reverse()) await p.stop();
  };
  const anyCrash = () => Promise.race(all.map((p) => p.crashed()));

  const waitApiserverReady = () =>
    waitUntil(
      'kube-apiserver /readyz',
      async () => ((await apiRequest(admin, 'GET', '/readyz')).status === 200 ? true : undefined),
      { timeoutMs, abort: anyCrash() },
    );

  try {
    progress('starting etcd');
    processes.etcd.start();
    await waitUntil(
      'etcd /health',
      async () => {
        const res = await fetch(`${etcdUrl}/health`);
        return res.ok ? true : undefined;
      },
      { timeoutMs, abort: anyCrash() },
    );
    progress('starting kube-apiserver');
    processes.apiserver.start();
    await waitApiserverReady();
    progress('starting kube-controller-manager, kube-scheduler and kwok');
    processes.controllerManager.start();
    processes.scheduler.start();
    processes.kwok.start();
    const nodeCount = options.nodes ?? 2;
    for (let i = 0; i < nodeCount; i++) {
      const res = await apiRequest(admin, 'POST', '/api/v1/nodes', kwokNode(`kwok-node-${i}`));
      if (res.status !== 201 && res.status !== 409)
        throw new Error(`creating node: ${res.status} ${res.body}`);
    }
    // The real node needs only the apiserver: it starts while the KWOK nodes come up.
    const realNodeStarting = options.realNode
      ? startRealNode({
          clusterName: name,
          dir: join(dir, 'real-node'),
          caCert: certs.caCert,
          kubeconfig: kubeconfigs.node!,
          ...(typeof options.realNode === 'object' && options.realNode.kubeProxy
            ? { kubeProxyKubeconfig: kubeconfigs['kube-proxy']! }
            : {}),
          admin,
          timeoutMs,
          progress,
        })
      : undefined;
    realNodeStarting?.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
    try {
      progress(`waiting for ${nodeCount} KWOK nodes and the default service account`);
      await waitUntil(
        'KWOK nodes Ready',
        async () => {
          const nodes = (await apiRequest(admin, 'GET', '/api/v1/nodes')).json() as {
            items?: Array<{ metadata?: { name?: string } }>;
          };
          // Only the KWOK nodes: the real node may be Ready already.
          const kwokNodes = (nodes.items ?? []).filter((n) => n.metadata?.name?.startsWith('kwok-node-'));
          const ready = kwokNodes.filter(nodeIsReady).length;
          if (ready < nodeCount) throw new Error(`${ready}/${nodeCount} nodes Ready`);
          return true;
        },
        { timeoutMs, abort: anyCrash() },
      );
      await waitUntil(
        'the default ServiceAccount (controller-manager running)',
        async () =>
          (await apiRequest(admin, 'GET', '/api/v1/namespaces/default/serviceaccounts/default')).status ===
          200
            ? true
            : undefined,
        { timeoutMs, abort: anyCrash() },
      );
    } finally {
      // Kept even when the KWOK wait failed, so stopAll stops the node too.
      realNode = await realNodeStarting;
    }
  } catch (error) {
    await stopAll();
    if (ownsDir && !process.env.WEFT_E2E_KEEP) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  progress(`control plane ready at ${server}`);

  let stopped = false;
  const cluster: Cluster = {
    name,
    dir,
    kubeconfigPath: kubeconfigs.admin,
    server,
    etcdUrl,
    realNode,
    async kubeConfig() {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const config = new KubeConfig();
      config.loadFromFile(kubeconfigs.admin);
      return config;
    },
    async restartApiserver() {
      await processes.apiserver.stop();
      processes.apiserver.start();
      await waitApiserverReady();
    },
    etcdCompact: () => compactEtcd(etcdUrl),
    pids: () => all.flatMap((p) => (p.pid !== undefined && p.running ? [p.pid] : [])),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
      if (ownsDir && !process.env.WEFT_E2E_KEEP) await rm(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return cluster.stop();
    },
  };
  return cluster;
}

/** Compacts etcd at its current revision through etcd's JSON gateway; returns the revision. */
async function compactEtcd(etcdUrl: string): Promise<number> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { header?: { revision?: string } };
  };
  const range = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
  const revision = Number(range.header?.revision ?? 0);
  await post('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

export type { ApiConnection };
