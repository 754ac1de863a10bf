/**
 * The registry client a source's spec asks for (OCIRepository, and HelmChart from an OCI
 * HelmRepository): credentials, TLS, plain HTTP. One reader, so both kinds take the same Secrets.
 */
import {
  type Credentials,
  type HttpProxy,
  OciError,
  type OciReference,
  type PullSecretReader,
  proxyFromSecret,
  RegistryClient,
  registryCredentials,
  type TlsOptions,
  TokenCache,
} from '@weft/oci';
import type { Client, KubeObject } from '@weft/runtime/client';
import { readSecretData, SecretError } from './secret.ts';

/** What of a spec says how to reach a registry. */
export interface RegistryAccess {
  namespace: string;
  secretRef?: { name: string } | undefined;
  /** Its imagePullSecrets are tried after `secretRef`. */
  serviceAccountName?: string | undefined;
  certSecretRef?: { name: string } | undefined;
  /** A Secret with the proxy's `address` (and `username`, `password`). */
  proxySecretRef?: { name: string } | undefined;
  insecure?: boolean | undefined;
  /**
   * Whether `secretRef` may also hold `username` and `password` (HelmRepository's basic-auth
   * Secret, as Flux allows for OCI Helm repositories), besides a dockerconfigjson.
   */
  basicAuthSecret?: boolean;
}

/** Reads pull secrets with the controller's client; a failed read is a `SecretError`. */
function pullSecretReader(client: Pick<Client, 'get'>): PullSecretReader {
  return {
    secretData: async (namespace, name, field) => (await readSecretData(client, namespace, name, field)).data,
    async imagePullSecrets(namespace, name) {
      let account: KubeObject & { imagePullSecrets?: { name?: string }[] };
      try {
        account = await client.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name });
      } catch (cause) {
        throw new SecretError(`cannot read service account ${namespace}/${name} (spec.serviceAccountName)`, {
          cause,
        });
      }
      return (account.imagePullSecrets ?? []).map((pull) => pull.name ?? '');
    },
  };
}

/**
 * Credentials for `ref.registry`: `secretRef` (a dockerconfigjson Secret) first, then the image
 * pull secrets of `serviceAccountName`; none means anonymous (`registryCredentials` of `@weft/oci`).
 */
async function credentialsFor(
  client: Pick<Client, 'get'>,
  access: RegistryAccess,
  ref: OciReference,
): Promise<Credentials | undefined> {
  try {
    return await registryCredentials(pullSecretReader(client), access, ref.registry);
  } catch (error) {
    if (error instanceof OciError) throw new SecretError(error.message, { cause: error });
    throw error;
  }
}

/** `certSecretRef`: `ca.crt`, `tls.crt` and `tls.key` (Flux's older caFile/certFile/keyFile too). */
export async function registryTls(
  client: Pick<Client, 'get'>,
  access: RegistryAccess,
): Promise<TlsOptions | undefined> {
  const ref = access.certSecretRef;
  if (!ref) return undefined;
  const namespace = access.namespace;
  const { binary } = await readSecretData(client, namespace, ref.name, 'spec.certSecretRef');
  const ca = binary['ca.crt'] ?? binary.caFile;
  const cert = binary['tls.crt'] ?? binary.certFile;
  const key = binary['tls.key'] ?? binary.keyFile;
  if ((cert === undefined) !== (key === undefined))
    throw new SecretError(
      `secret ${namespace}/${ref.name} (spec.certSecretRef) must hold both tls.crt and tls.key, or neither`,
    );
  if (!ca && !cert)
    throw new SecretError(
      `secret ${namespace}/${ref.name} (spec.certSecretRef) has neither ca.crt nor tls.crt`,
    );
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** `proxySecretRef`: the HTTP proxy every request goes through, or undefined. */
export async function proxyFor(
  client: Pick<Client, 'get'>,
  namespace: string,
  ref: { name: string } | undefined,
): Promise<HttpProxy | undefined> {
  if (!ref) return undefined;
  const { data } = await readSecretData(client, namespace, ref.name, 'spec.proxySecretRef');
  try {
    return proxyFromSecret(data, `${namespace}/${ref.name} (spec.proxySecretRef)`);
  } catch (error) {
    throw new SecretError(error instanceof OciError ? error.message : String(error), { cause: error });
  }
}

/**
 * Registry tokens of the whole process, keyed by registry, credentials (hashed), repository and
 * actions: the next reconcile of a repository sends the token the last one got (one HEAD, not a
 * 401, a token request and a retry), and a tenant with other credentials never gets another's.
 */
const tokens = new TokenCache();

export async function registryClientFor(
  client: Pick<Client, 'get'>,
  access: RegistryAccess,
  ref: OciReference,
  signal: AbortSignal,
): Promise<RegistryClient> {
  return new RegistryClient({
    registry: ref.registry,
    insecure: access.insecure === true,
    credentials: await credentialsFor(client, access, ref),
    tls: await registryTls(client, access),
    proxy: await proxyFor(client, access.namespace, access.proxySecretRef),
    signal,
    userAgent: 'weft-source-controller',
    tokens,
  });
}
