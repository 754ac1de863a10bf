/**
 * Which cluster connection the helm processes get, so they reach the apiserver the controller
 * reaches. Every helm process runs with its own HOME and a fresh environment, so helm's own
 * defaults cannot be relied on: without a kubeconfig, client-go falls back to in-cluster config
 * only when nothing overrides it, and `--kube-as-user` (serviceAccountName) is an override, so
 * such a helm dialled localhost:8080 in a pod. The controller's own order (runtime's
 * `loadDefaultRestConfig`): `--kubeconfig`, the KUBECONFIG list, the in-cluster ServiceAccount,
 * ~/.kube/config. In a cluster helm gets a generated kubeconfig (mode 0600) that names the
 * ServiceAccount's CA and token *files*: no token in argv or on disk twice, and a rotated
 * projected token is re-read by helm as by the controller.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { RestConfig, serviceAccountDir } from '@weft/runtime/client';
import { stringify } from 'yaml';

export interface HelmConnectionOptions {
  /** `--kubeconfig` of the controller. */
  kubeconfigPath?: string | undefined;
  /** Default process.env. */
  env?: Record<string, string | undefined> | undefined;
  /** Default the pod's `/var/run/secrets/kubernetes.io/serviceaccount`. */
  serviceAccountDir?: string | undefined;
  /** Where the generated in-cluster kubeconfig is written (the controller's scratch directory). */
  workDir: string;
  home?: string;
}

export interface HelmConnection {
  /** `--kubeconfig` for helm. */
  kubeconfigPath?: string;
  /** KUBECONFIG for helm (a list, merged by helm as by the controller). */
  kubeconfigEnv?: string;
}

export async function helmConnection(options: HelmConnectionOptions): Promise<HelmConnection> {
  if (options.kubeconfigPath) return { kubeconfigPath: options.kubeconfigPath };
  const env = options.env ?? process.env;
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((path) => path !== '' && existsSync(path));
  if (list.length > 0) return { kubeconfigEnv: list.join(delimiter) };
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
    const kubeconfigPath = join(options.workDir, 'in-cluster.kubeconfig');
    await writeFile(kubeconfigPath, inClusterKubeconfig(env, options.serviceAccountDir), { mode: 0o600 });
    return { kubeconfigPath };
  }
  const home = join(options.home ?? homedir(), '.kube', 'config');
  return existsSync(home) ? { kubeconfigPath: home } : {};
}

/** The runtime's in-cluster config as a kubeconfig document: server, CA file, token file. */
export function inClusterKubeconfig(env: Record<string, string | undefined>, saDir?: string): string {
  const config = RestConfig.inCluster({ env, serviceAccountDir: saDir ?? serviceAccountDir });
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  const namespace = config.getCurrentNamespace();
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'in-cluster',
        cluster: {
          server: cluster?.server,
          ...(cluster?.caFile ? { 'certificate-authority': cluster.caFile } : {}),
        },
      },
    ],
    users: [{ name: 'in-cluster', user: user?.tokenFile ? { tokenFile: user.tokenFile } : {} }],
    contexts: [
      {
        name: 'in-cluster',
        context: { cluster: 'in-cluster', user: 'in-cluster', ...(namespace ? { namespace } : {}) },
      },
    ],
    'current-context': 'in-cluster',
  });
}
