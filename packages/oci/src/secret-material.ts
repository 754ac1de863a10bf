/**
 * Registry credentials and TLS material from the data of Kubernetes Secrets, as every weft
 * controller that talks to a registry reads them (`kubernetes.io/dockerconfigjson` pull secrets,
 * `ca.crt`/`tls.crt`/`tls.key` cert secrets). The caller reads the Secrets (`registryCredentials`
 * walks them through the caller's `PullSecretReader`); these interpret their decoded data, and
 * their errors name the Secret, never a value.
 */
import { type Credentials, credentialsFromDockerConfig } from './credentials.ts';
import { OciError } from './errors.ts';
import type { TlsOptions } from './transport.ts';

/**
 * The credentials a pull secret (`.dockerconfigjson`, or the older `.dockercfg` without the
 * `auths` wrapper) holds for `registry`; undefined when it has none for that registry.
 */
export function credentialsFromPullSecret(
  data: Readonly<Record<string, string>>,
  registry: string,
  source: string,
): Credentials | undefined {
  const config = data['.dockerconfigjson'];
  if (config !== undefined)
    return firstFound(registry, (host) => credentialsFromDockerConfig(config, host, source));
  const legacy = data['.dockercfg'];
  if (legacy === undefined)
    throw new OciError(
      'InvalidCredentials',
      `${source} has no .dockerconfigjson: it must be of type kubernetes.io/dockerconfigjson`,
    );
  let auths: unknown;
  try {
    auths = JSON.parse(legacy);
  } catch {
    throw new OciError('InvalidCredentials', `${source}: .dockercfg is not valid JSON`);
  }
  const json = JSON.stringify({ auths });
  return firstFound(registry, (host) => credentialsFromDockerConfig(json, host, source));
}

/**
 * How `registryCredentials` reads the Kubernetes objects it walks. Each controller reads them its
 * own way (a client, a cache) and throws its own error when one cannot be read; the error names
 * the object and the spec field, never a value.
 */
export interface PullSecretReader {
  /** The decoded `data` of Secret `namespace/name`, read for the spec field `field`. */
  secretData(namespace: string, name: string, field: string): Promise<Readonly<Record<string, string>>>;
  /** The names in `imagePullSecrets` of ServiceAccount `namespace/name`. */
  imagePullSecrets(namespace: string, name: string): Promise<readonly string[]>;
}

/** What of a spec names the credentials for a registry. */
export interface PullSecretRefs {
  namespace: string;
  secretRef?: { name: string } | undefined;
  /** Its `imagePullSecrets` are tried after `secretRef`. */
  serviceAccountName?: string | undefined;
  /**
   * Whether `secretRef` may hold `username` and `password` instead of a Docker config
   * (HelmRepository's basic-auth Secret, as Flux allows for OCI Helm repositories).
   */
  basicAuthSecret?: boolean | undefined;
}

/**
 * The credentials of an object for `registry`: `spec.secretRef` (a dockerconfigjson Secret) first,
 * then each image pull secret of `spec.serviceAccountName`, in order; the first that has
 * credentials for the registry wins, none means anonymous. A Secret of the wrong shape is an
 * `OciError` (`InvalidCredentials`) naming it.
 */
export async function registryCredentials(
  reader: PullSecretReader,
  refs: PullSecretRefs,
  registry: string,
): Promise<Credentials | undefined> {
  const { namespace } = refs;
  const secrets: { name: string; field: string }[] = [];
  if (refs.secretRef) secrets.push({ name: refs.secretRef.name, field: 'spec.secretRef' });
  const accountName = refs.serviceAccountName;
  if (accountName)
    for (const name of await reader.imagePullSecrets(namespace, accountName))
      if (name) secrets.push({ name, field: `imagePullSecrets of service account ${accountName}` });
  for (const { name, field } of secrets) {
    const data = await reader.secretData(namespace, name, field);
    const source = `secret ${namespace}/${name} (${field})`;
    const dockerConfig = data['.dockerconfigjson'] !== undefined || data['.dockercfg'] !== undefined;
    if (refs.basicAuthSecret && field === 'spec.secretRef' && !dockerConfig) {
      const { username, password } = data;
      if (username && password !== undefined) return { username, password };
      throw new OciError(
        'InvalidCredentials',
        `${source} must hold username and password, or be of type kubernetes.io/dockerconfigjson`,
      );
    }
    const found = credentialsFromPullSecret(data, registry, source);
    if (found) return found;
  }
  return undefined;
}

// Docker Hub is written under any of these names in Docker configs (`docker login` writes the first).
const dockerHubNames = ['index.docker.io', 'docker.io', 'registry-1.docker.io'];

function firstFound(
  registry: string,
  lookup: (host: string) => Credentials | undefined,
): Credentials | undefined {
  for (const host of dockerHubNames.includes(registry) ? dockerHubNames : [registry]) {
    const found = lookup(host);
    if (found) return found;
  }
  return undefined;
}

/**
 * TLS material from a cert secret: `ca.crt`, `tls.crt` and `tls.key` (Flux's deprecated
 * `caFile`, `certFile`, `keyFile` too). A certificate without its key, or a secret with neither a
 * CA nor a certificate, is an error.
 */
export function tlsFromSecret(binary: Readonly<Record<string, Buffer>>, source: string): TlsOptions {
  const ca = binary['ca.crt'] ?? binary.caFile;
  const cert = binary['tls.crt'] ?? binary.certFile;
  const key = binary['tls.key'] ?? binary.keyFile;
  if ((cert === undefined) !== (key === undefined))
    throw new OciError('InvalidCredentials', `${source} must hold both tls.crt and tls.key, or neither`);
  if (!ca && !cert) throw new OciError('InvalidCredentials', `${source} has neither ca.crt nor tls.crt`);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
