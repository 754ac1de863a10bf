// Started as a child process by real-node.test.ts: starts a cluster with a real node running one
// real container, prints the node's pids as one JSON line, then waits to be SIGKILLed — so the
// test can prove that the next real node cleans up what the killed one left.
import { AppsV1Api } from '@kubernetes/client-node';
import { eventually, realNodeDeployment, startCluster } from '../../src/index.ts';

const cluster = await startCluster({ name: 'killed-owner', nodes: 1, realNode: true });
const apps = (await cluster.kubeConfig()).makeApiClient(AppsV1Api);
await apps.createNamespacedDeployment({
  namespace: 'default',
  body: realNodeDeployment('orphan') as never,
});
await eventually('the orphan Ready', async () =>
  (await apps.readNamespacedDeployment({ name: 'orphan', namespace: 'default' })).status?.readyReplicas === 1
    ? true
    : undefined,
);
console.log(JSON.stringify({ pids: await cluster.realNode!.pids(), dir: cluster.dir }));
setInterval(() => {}, 1 << 30);
