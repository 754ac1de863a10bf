/**
 * The configuration files of a real node: containerd's (v3 format), the kubelet's
 * KubeletConfiguration and the CNI network. Every path is under the node's own directory, so
 * nodes of several clusters never share state, sockets, logs or IPAM leases.
 */
import { join } from 'node:path';
import type { NodeSlot } from './slot.ts';

export interface NodePaths {
  dir: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  /** containerd's per-registry hosts.toml directories (`<host>/hosts.toml`). */
  registryHosts: string;
  cniConf: string;
  cniIpam: string;
  kubeletRoot: string;
  kubeletConfig: string;
  kubeletCerts: string;
  podLogs: string;
  resolvConf: string;
}

export function nodePaths(dir: string): NodePaths {
  return {
    dir,
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    registryHosts: join(dir, 'containerd', 'certs.d'),
    cniConf: join(dir, 'cni', 'net.d'),
    cniIpam: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet-config.yaml'),
    kubeletCerts: join(dir, 'kubelet-pki'),
    podLogs: join(dir, 'pod-logs'),
    resolvConf: join(dir, 'resolv.conf'),
  };
}

/** The CNI plugins of Debian's containernetworking-plugins package. */
export const cniBinDir = '/usr/lib/cni';

const q = (value: string) => JSON.stringify(value);

export function containerdConfig(paths: NodePaths, sandboxImage: string): string {
  return `version = 3
root = ${q(paths.containerdRoot)}
state = ${q(paths.containerdState)}
# NRI listens on a host-wide socket; a node does not need it and two would fight over it.
disabled_plugins = ["io.containerd.nri.v1.nri"]

[grpc]
  address = ${q(paths.containerdSocket)}
[ttrpc]
  address = ${q(`${paths.containerdSocket}.ttrpc`)}
[debug]
  address = ""
[metrics]
  address = ""

[plugins.'io.containerd.internal.v1.opt']
  path = ${q(join(paths.dir, 'containerd', 'opt'))}

[plugins.'io.containerd.grpc.v1.cri']
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  # The sandbox image is imported at start (nothing is pulled from outside), and pinned so that
  # image garbage collection never removes it.
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = ${q(sandboxImage)}
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = ${q(paths.registryHosts)}

[plugins.'io.containerd.cri.v1.runtime']
  # Without it every pod fails with "can't get final child's PID from pipe" on this kind of host.
  restrict_oom_score_adj = true
  # Network namespaces under the node's state, not in the host-wide /var/run/netns.
  netns_mounts_under_state_dir = true
  enable_cdi = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = [${q(cniBinDir)}]
    conf_dir = ${q(paths.cniConf)}
    max_conf_num = 1
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
      # runc's state per node, not the host-wide /run/containerd/runc.
      Root = ${q(join(paths.containerdState, 'runc'))}
      SystemdCgroup = false
`;
}

/** The Service CIDR of the control plane (kube-apiserver --service-cluster-ip-range). */
export const serviceCidr = '10.96.0.0/16';

/**
 * A bridge on the node's pod subnet with no default route and no masquerading: pods reach each
 * other, the node (the bridge's address) and ClusterIP Services (a route for the Service CIDR
 * through the bridge, where kube-proxy's rules translate them), and nothing beyond this machine.
 */
export function cniConfig(clusterName: string, slot: NodeSlot, paths: NodePaths): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: `weft-${clusterName}`,
      plugins: [
        {
          type: 'bridge',
          bridge: slot.bridge,
          isGateway: true,
          isDefaultGateway: false,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: slot.podSubnet, gateway: slot.gateway }]],
            routes: [{ dst: serviceCidr, gw: slot.gateway }],
            dataDir: paths.cniIpam,
          },
        },
      ],
    },
    null,
    2,
  );
}

export interface KubeletConfigInput {
  slot: NodeSlot;
  paths: NodePaths;
  caCert: string;
  taint: { key: string; value: string; effect: string };
}

export function kubeletConfig({ slot, paths, caCert, taint }: KubeletConfigInput): string {
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '127.0.0.1',
    port: slot.ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: slot.ports.kubeletHealthz,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: caCert },
    },
    authorization: { mode: 'Webhook' },
    // The host has cgroup v1 (deprecated for the kubelet, refused unless allowed) and no systemd.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    // Its own root, or two kubelets would each clean up the other's pods as strays.
    cgroupRoot: slot.cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    podLogsDir: paths.podLogs,
    resolvConf: paths.resolvConf,
    clusterDomain: 'cluster.local',
    failSwapOn: false,
    registerNode: true,
    registerWithTaints: [taint],
    serializeImagePulls: false,
    // A shared development machine: never evict pods or collect images because the disk of the
    // whole machine is fuller than a real node's would be.
    evictionHard: { 'memory.available': '0%', 'nodefs.available': '0%', 'imagefs.available': '0%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    localStorageCapacityIsolation: false,
    nodeStatusUpdateFrequency: '5s',
    syncFrequency: '10s',
    fileCheckFrequency: '10s',
    volumePluginDir: join(paths.dir, 'volume-plugins'),
    rotateCertificates: false,
    serverTLSBootstrap: false,
    maxPods: 50,
  };
  return JSON.stringify(config, null, 2);
}
