/**
 * What the in-cluster test files share: a cluster with a real node (and the registry and git
 * server beside it), the tenant every Kustomization applies as, the example app, and waits that
 * say why when they time out. Each file starts its own cluster: node:test runs files in separate
 * processes, and a file that needs a fresh installation should not depend on another's leftovers.
 *
 * The pods use host networking (docs/e2e.md, "Running weft in the cluster in tests").
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Cluster,
  eventually,
  type GitHttpServer,
  imagesDir,
  type OciRegistry,
  realNodeUnavailable,
  startCluster,
  startGitHttpServer,
  startOciRegistry,
  type WeftController,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';

/** Why the controllers in `needed` cannot run as pods here, or undefined when they can. */
export function inClusterUnavailable(needed: readonly WeftController[]): string | undefined {
  const missing = needed.find((name) => !existsSync(join(imagesDir(), name, 'index.json')));
  return (
    realNodeUnavailable() ??
    (missing ? `no ${missing} image in ${imagesDir()} (e2e/run setup builds it)` : undefined)
  );
}

export const appNamespace = 'apps';
/** The ServiceAccount kustomize-controller (and helm-controller) apply as. */
export const tenant = 'deployer';
export const kustomizationType = { apiVersion: 'kustomize.weft.dev/v1', kind: 'Kustomization' };

export function configMap(greeting: string, name = 'app-config'): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  greeting: ${greeting}\n`;
}

export const webDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: example.invalid/web:1 }]
`;

export interface InClusterEnv {
  cluster: Cluster;
  registry: OciRegistry;
  git: GitHttpServer;
  client: Client;
  stop(): Promise<void>;
}

/** A cluster with a real node, a registry for the images and a git server; prints the start time. */
export async function startInClusterEnv(name: string): Promise<InClusterEnv> {
  const started = Date.now();
  const [cluster, registry, git] = await Promise.all([
    startCluster({
      name,
      realNode: true,
      onProgress: (message) => {
        if (message.includes('Ready in')) console.log(`# ${message}`);
      },
    }),
    startOciRegistry(),
    startGitHttpServer(),
  ]);
  console.log(`# cluster with a real node up in ${Date.now() - started} ms`);
  const client = new Client(await cluster.kubeConfig(), { fieldManager: 'in-cluster-test' });
  return {
    cluster,
    registry,
    git,
    client,
    async stop() {
      await cluster.stop();
      await registry.stop();
      await git.stop();
    },
  };
}

/** The app's namespace and the tenant ServiceAccount, admin of that namespace only. */
export async function createTenant(client: Client): Promise<void> {
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: appNamespace } });
  await client.apply({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: tenant, namespace: appNamespace },
  });
  await client.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `${tenant}-admin`, namespace: appNamespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
    subjects: [{ kind: 'ServiceAccount', name: tenant, namespace: appNamespace }],
  });
}

/** Runs `wait`; when it fails, adds the status of `objects` to the error, so a failure says why. */
export async function explained<T>(
  client: Client,
  wait: Promise<T>,
  objects: Array<Record<string, string>>,
): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const states = await Promise.all(
      objects.map(async (ref) => {
        const found = await client.find(ref as never).catch(() => undefined);
        return `${ref.kind}/${ref.name}: ${JSON.stringify(found?.status ?? 'not found')}`;
      }),
    );
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${states.join('\n')}`);
  }
}

/** Waits until `find` returns an object (3 minutes: pulls and restarts on a loaded machine). */
export function eventuallyFound(
  client: Client,
  what: string,
  find: () => Promise<KubeObject | undefined>,
  explain: Array<Record<string, string>>,
): Promise<KubeObject> {
  return explained(client, eventually(what, find, 180_000), explain);
}
