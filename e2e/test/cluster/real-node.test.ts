import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import {
  type Cluster,
  eventually,
  realNodeDeployment,
  realNodeName,
  realNodeUnavailable,
  startCluster,
  testNamespace,
} from '../../src/index.ts';

const unavailable = realNodeUnavailable();

async function pauseDeployment(config: KubeConfig, namespace: string, replicas = 1): Promise<void> {
  await config.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace,
    body: realNodeDeployment('pause', { replicas }) as never,
  });
  await eventually(
    `${replicas} ready pause replicas`,
    async () => {
      const d = await config.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'pause', namespace });
      return d.status?.readyReplicas === replicas ? true : undefined;
    },
    120_000,
  );
}

/** Running, or stopped but not yet reaped by its parent (a zombie holds nothing: not counted). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('a real node', { skip: unavailable }, () => {
  let first: Cluster;
  let config: KubeConfig;
  let second: Cluster | undefined;
  before(async () => {
    const started = Date.now();
    first = await startCluster({ name: 'real-node-a', realNode: true });
    console.log(`# cluster with a real node started in ${Date.now() - started} ms`);
    config = await first.kubeConfig();
  });
  after(async () => {
    await second?.stop();
    await first?.stop();
  });

  test('joins the control plane Ready, beside the KWOK nodes, tainted for pods that ask for it', async () => {
    const nodes = (await config.makeApiClient(CoreV1Api).listNode()).items;
    const real = nodes.find((node) => node.metadata?.name === realNodeName);
    assert.ok(real, 'the real node registered');
    assert.ok(real.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    // (The node lifecycle controller may still be removing its not-ready taint: only ours counts.)
    assert.ok(
      real.spec?.taints?.some(
        (t) => `${t.key}=${t.value}:${t.effect}` === 'weft.dev/real-node=true:NoSchedule',
      ),
      JSON.stringify(real.spec?.taints),
    );
    assert.equal(nodes.filter((node) => node.metadata?.name?.startsWith('kwok-node-')).length, 2);
  });

  test('runs a Deployment of a real container: Ready, on the pod subnet, logs through the API', async () => {
    const namespace = await testNamespace(config, 'real');
    await pauseDeployment(config, namespace);
    const core = config.makeApiClient(CoreV1Api);
    const [pod] = (await core.listNamespacedPod({ namespace, labelSelector: 'app=pause' })).items;
    assert.equal(pod?.spec?.nodeName, realNodeName);
    const subnet = first.realNode!.slot.podSubnet.replace(/\.0\/24$/, '.');
    assert.ok(pod?.status?.podIP?.startsWith(subnet), `pod IP ${pod?.status?.podIP} in ${subnet}0/24`);
    const log = await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace });
    assert.match(log, /pause: holding the pod's namespaces/);
    // A container process really runs, inside the node's own cgroups.
    assert.ok((await first.realNode!.pids()).length > 2);
  });

  test('a pod without the toleration stays on KWOK nodes', async () => {
    const namespace = await testNamespace(config, 'kwok');
    const core = config.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'fake' }, spec: { containers: [{ name: 'c', image: 'example/fake:1' }] } },
    });
    const node = await eventually('the pod scheduled', async () => {
      const pod = await core.readNamespacedPod({ name: 'fake', namespace });
      return pod.spec?.nodeName;
    });
    assert.match(node, /^kwok-node-/);
  });

  test('a second cluster with its own real node runs at the same time; stopping it leaves no process', async () => {
    // testNamespace deletes its namespace after the test that made it: this one keeps a pod of the
    // first cluster running through the whole test.
    const firstNamespace = await testNamespace(config, 'first');
    await pauseDeployment(config, firstNamespace);
    second = await startCluster({ name: 'real-node-b', realNode: true });
    const a = first.realNode!;
    const b = second.realNode!;
    assert.notEqual(a.slot.index, b.slot.index);
    assert.notEqual(a.slot.bridge, b.slot.bridge);
    assert.notEqual(a.slot.cgroupRoot, b.slot.cgroupRoot);
    const secondConfig = await second.kubeConfig();
    const namespace = await testNamespace(secondConfig, 'second');
    await pauseDeployment(secondConfig, namespace, 2);
    // Both nodes' pods keep running: neither kubelet cleaned up the other's.
    const running = async () => {
      const pods = await config.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: firstNamespace });
      return pods.items.filter((pod) => pod.status?.phase === 'Running').length;
    };
    assert.equal(await running(), 1);
    const firstNodePids = await a.pids();

    const nodePids = await b.pids();
    const controlPlanePids = second.pids();
    assert.ok(nodePids.length >= 5, `containerd, kubelet, shims and containers: ${nodePids.join(' ')}`);
    await second.stop();
    const survivors = [...nodePids, ...controlPlanePids].filter(alive);
    assert.deepEqual(
      survivors.map((pid) => `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`),
      [],
      'no process of the stopped cluster is left',
    );
    assert.equal(existsSync(`/sys/class/net/${b.slot.bridge}`), false, 'the bridge is gone');
    assert.equal(existsSync(`/sys/fs/cgroup/memory${b.slot.cgroupRoot}`), false, 'the cgroup root is gone');
    // The first cluster's node and its pod are untouched.
    assert.deepEqual(
      firstNodePids.filter((pid) => !alive(pid)),
      [],
    );
    assert.equal(await running(), 1);
  });

  test('a node whose owner was SIGKILLed is cleaned up by the next real node', async () => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./start-real-node-in-child.ts', import.meta.url))],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child exited with ${code} before its node was up`)));
    });
    const orphan = JSON.parse(line) as { pids: number[]; dir: string };
    child.kill('SIGKILL'); // no cleanup code of the owner runs
    // containerd and the kubelet die with their owner; containers and shims do not.
    await eventually('the control plane and the node daemons gone', async () =>
      orphan.pids.filter(alive).length < orphan.pids.length ? true : undefined,
    );
    const survivors = orphan.pids.filter(alive);
    assert.ok(survivors.length > 0, 'containers and shims outlive a SIGKILLed owner');
    const next = await startCluster({ name: 'after-orphan', nodes: 1, realNode: true });
    try {
      assert.deepEqual(survivors.filter(alive), [], 'the next node removed what the killed one left');
    } finally {
      await next.stop();
      await rm(orphan.dir, { recursive: true, force: true });
    }
  });
});
