/**
 * Clients for another cluster, from a kubeconfig stored in a Secret (`spec.kubeConfig.secretRef`
 * in Flux): the `value` or `value.yaml` key, or the key the reference names.
 */
import { Client, type ClientOptions } from './client.ts';
import { RestConfig } from './kubeconfig.ts';
import { KubeconfigError } from './kubeconfig-parse.ts';
import { decodeSecretData } from './secret.ts';

export interface KubeconfigSecretRef {
  namespace: string;
  name: string;
  /** Key in `data`; default `value`, then `value.yaml`. */
  key?: string | undefined;
}

export interface RemoteClientOptions extends ClientOptions {
  /**
   * Allow kubeconfigs that run commands (`exec`, auth providers) or read local files. Off by
   * default: a tenant who can write the Secret must not make the controller run a program or read
   * the controller's own files.
   */
  allowInsecureKubeconfig?: boolean;
}

export class KubeconfigSecretError extends Error {
  override name = 'KubeconfigSecretError';
}

/** Reads the Secret through `client` and builds a client for the cluster its kubeconfig names. */
export async function clientFromKubeconfigSecret(
  client: Client,
  ref: KubeconfigSecretRef,
  options: RemoteClientOptions = {},
): Promise<Client> {
  const secret = await client.get({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: ref.namespace,
    name: ref.name,
  });
  const data = decodeSecretData(secret);
  const keys = ref.key ? [ref.key] : ['value', 'value.yaml'];
  const text = keys.map((k) => data[k]).find((value) => value !== undefined);
  if (text === undefined) {
    throw new KubeconfigSecretError(
      `Secret ${ref.namespace}/${ref.name} has no kubeconfig under ${keys.map((k) => `'${k}'`).join(' or ')}`,
    );
  }
  return new Client(kubeConfigFromString(text, options.allowInsecureKubeconfig ?? false), options);
}

export function kubeConfigFromString(text: string, allowInsecure = false): RestConfig {
  let kc: RestConfig;
  try {
    kc = RestConfig.fromString(text);
  } catch (error) {
    if (error instanceof KubeconfigError) throw new KubeconfigSecretError(error.message);
    throw error;
  }
  if (!allowInsecure) {
    for (const user of kc.getUsers()) {
      if (user.exec || user.authProvider || user.certFile || user.keyFile || user.tokenFile) {
        throw new KubeconfigSecretError(
          `kubeconfig user '${user.name}' uses exec, an auth provider or local files, which are not allowed`,
        );
      }
    }
    for (const cluster of kc.getClusters()) {
      if (cluster.caFile)
        throw new KubeconfigSecretError(`kubeconfig cluster '${cluster.name}' reads a local CA file`);
    }
  }
  if (!kc.getCurrentCluster()) throw new KubeconfigSecretError('kubeconfig has no current context/cluster');
  return kc;
}
