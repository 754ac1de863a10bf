// Started as a child process by cluster.test.ts: starts a cluster, prints its pids and server
// as one JSON line, then waits to be killed — so the test can prove that a killed owner leaves
// no control-plane process behind.
import { startCluster } from '../../src/index.ts';

const cluster = await startCluster({ name: 'orphan-check', nodes: 1 });
console.log(JSON.stringify({ server: cluster.server, pids: cluster.pids(), dir: cluster.dir }));
setInterval(() => {}, 1 << 30);
