/**
 * Apply engine: 1,000 objects applied the first time vs. re-applied unchanged. Starts its own
 * cluster (or uses WEFT_E2E_KUBECONFIG). Prints wall time and API requests per phase.
 *   node packages/runtime/bench/apply.bench.ts [count]
 */

import { KubeConfig } from '@kubernetes/client-node';
import { startCluster } from '@weft/e2e';
import {
  Client,
  type HttpRequest,
  KubeConfigTransport,
  type KubeObject,
  type Transport,
} from '@weft/runtime/client';
import { ResourceManager } from '@weft/runtime/ssa';

const count = Number(process.argv[2] ?? 1000);

/** Counts requests by method; everything else goes to the real transport. */
function counting(inner: Transport, counts: Map<string, number>): Transport {
  const bump = (req: HttpRequest): void => {
    const key = `${req.method}${req.query?.dryRun ? ' (dry-run)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  return {
    server: inner.server,
    request: (req) => {
      bump(req);
      return inner.request(req);
    },
    stream: (req) => {
      bump(req);
      return inner.stream(req);
    },
    withHeaders: (headers) => counting(inner.withHeaders(headers), counts),
  };
}

const shared = process.env.WEFT_E2E_KUBECONFIG;
const cluster = shared ? undefined : await startCluster();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(shared ?? cluster!.kubeconfigPath);
const counts = new Map<string, number>();
const client = new Client(kubeConfig, { transport: counting(new KubeConfigTransport(kubeConfig), counts) });
const manager = new ResourceManager(client, { concurrency: 16 });

const ns = `bench-apply-${Date.now()}`;
const objects: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }];
for (let i = 0; i < count - 1; i++) {
  const app = `app-${i}`;
  objects.push(
    i % 10 === 0
      ? {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: app, namespace: ns, labels: { app } },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app } },
            template: {
              metadata: { labels: { app } },
              spec: {
                containers: [{ name: 'main', image: `example/${app}:1`, ports: [{ containerPort: 8080 }] }],
              },
            },
          },
        }
      : {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: app, namespace: ns, labels: { app } },
          data: { 'config.yaml': `name: ${app}\nreplicas: 3\n`, version: String(i) },
        },
  );
}

async function phase(name: string): Promise<void> {
  counts.clear();
  const start = performance.now();
  const result = await manager.applyAll(structuredClone(objects));
  const ms = performance.now() - start;
  const actions = new Map<string, number>();
  for (const e of result.changeSet) actions.set(e.action, (actions.get(e.action) ?? 0) + 1);
  const requests = [...counts].map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(
    `${name.padEnd(18)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / objects.length).toFixed(2)} ms/object  ` +
      `actions: ${[...actions].map(([k, v]) => `${k} ${v}`).join(', ')}  requests: ${requests}`,
  );
}

try {
  console.log(
    `apply engine: ${objects.length} objects (1 Namespace, ${Math.floor((count - 1) / 10) + 1} Deployments, ConfigMaps)`,
  );
  await phase('first apply');
  await phase('unchanged re-apply');
  await phase('unchanged re-apply');
  objects[5] = { ...objects[5]!, data: { changed: 'yes' } };
  await phase('one changed');
} finally {
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns }).catch(() => {});
  await cluster?.stop();
}
