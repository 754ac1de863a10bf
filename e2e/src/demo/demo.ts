/**
 * The local demo, the README's main command. Until the controllers exist it shows the ground they
 * stand on: a real control plane on loopback, with a smoke workload scheduled onto KWOK nodes
 * and becoming Ready, then changed and Ready again. Ctrl-C stops everything cleanly.
 */
import { AppsV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import { startCluster } from '../cluster/index.ts';

const namespace = 'demo';

function deployment(replicas: number, image: string): V1Deployment {
  const labels = { app: 'hello' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hello', namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'hello', image }] } },
    },
  };
}

export async function runDemo(options: { once: boolean }): Promise<void> {
  const started = Date.now();
  const say = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  const cluster = await startCluster({ name: 'weft-demo', onProgress: say });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping the control plane');
    await cluster.stop();
    say('stopped; no process left behind');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  say(`kubeconfig: ${cluster.kubeconfigPath}`);

  const config = await cluster.kubeConfig();
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await waitFor(say, 'default ServiceAccount', async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace });
    return true;
  });

  say('applying Deployment demo/hello with 3 replicas');
  await apps.createNamespacedDeployment({ namespace, body: deployment(3, 'ghcr.io/example/hello:1.0.0') });
  await waitReady(say, apps, 3);

  say('changing it: 5 replicas, image hello:1.1.0');
  await apps.replaceNamespacedDeployment({
    name: 'hello',
    namespace,
    body: deployment(5, 'ghcr.io/example/hello:1.1.0'),
  });
  await waitReady(say, apps, 5);

  if (options.once) {
    await stop();
    return;
  }
  say('the demo is running; press Ctrl-C to stop it');
  setInterval(() => {}, 1 << 30);
}

async function waitReady(say: (m: string) => void, apps: AppsV1Api, replicas: number): Promise<void> {
  let last = '';
  await waitFor(say, `${replicas} ready replicas`, async () => {
    const d = await apps.readNamespacedDeployment({ name: 'hello', namespace });
    const s = d.status ?? {};
    const line = `hello: ${s.readyReplicas ?? 0}/${replicas} ready, ${s.updatedReplicas ?? 0} updated`;
    if (line !== last) say(line);
    last = line;
    const done =
      (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
      s.readyReplicas === replicas &&
      s.updatedReplicas === replicas &&
      (s.replicas ?? 0) === replicas;
    return done || undefined;
  });
  say(`Deployment demo/hello is Ready (${replicas} pods Running on KWOK nodes)`);
}

async function waitFor(say: (m: string) => void, what: string, check: () => Promise<true | undefined>) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) {
      say(`gave up waiting for ${what}`);
      throw new Error(`demo: timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
