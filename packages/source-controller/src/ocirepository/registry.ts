/** The registry client an OCIRepository's spec asks for: URL, credentials, TLS, plain HTTP. */
import type { OCIRepository } from '@weft/api';
import {
  type Credentials,
  credentialsFromDockerConfig,
  type OciReference,
  RegistryClient,
  type TlsOptions,
} from '@weft/oci';
import type { Client, KubeObject } from '@weft/runtime/client';
import { readSecretData, SecretError } from '../source/secret.ts';

type OCIRepositoryObject = OCIRepository & KubeObject;

/**
 * Credentials for `ref.registry`: `spec.secretRef` (a dockerconfigjson Secret) first, then the
 * image pull secrets of `spec.serviceAccountName`; none means anonymous.
 */
export async function registryCredentials(
  client: Pick<Client, 'get'>,
  obj: OCIRepositoryObject,
  ref: OciReference,
): Promise<Credentials | undefined> {
  const namespace = obj.metadata.namespace ?? '';
  const secretNames: { name: string; field: string }[] = [];
  if (obj.spec.secretRef) secretNames.push({ name: obj.spec.secretRef.name, field: 'spec.secretRef' });
  if (obj.spec.serviceAccountName) {
    const name = obj.spec.serviceAccountName;
    let account: KubeObject & { imagePullSecrets?: { name?: string }[] };
    try {
      account = await client.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name });
    } catch (cause) {
      throw new SecretError(`cannot read service account ${namespace}/${name} (spec.serviceAccountName)`, {
        cause,
      });
    }
    for (const pull of account.imagePullSecrets ?? [])
      if (pull.name)
        secretNames.push({ name: pull.name, field: `imagePullSecrets of service account ${name}` });
  }
  for (const { name, field } of secretNames) {
    const secret = await readSecretData(client, namespace, name, field);
    const config = secret.data['.dockerconfigjson'] ?? secret.data['.dockercfg'];
    if (config === undefined)
      throw new SecretError(
        `secret ${namespace}/${name} (${field}) has no .dockerconfigjson: it must be of type kubernetes.io/dockerconfigjson`,
      );
    const json = secret.data['.dockerconfigjson'] ? config : JSON.stringify({ auths: JSON.parse(config) });
    const found = credentialsFromDockerConfig(json, ref.registry, `secret ${namespace}/${name}`);
    if (found) return found;
  }
  return undefined;
}

/** `spec.certSecretRef`: `ca.crt`, `tls.crt` and `tls.key` (Flux's older caFile/certFile/keyFile too). */
export async function registryTls(
  client: Pick<Client, 'get'>,
  obj: OCIRepositoryObject,
): Promise<TlsOptions | undefined> {
  const ref = obj.spec.certSecretRef;
  if (!ref) return undefined;
  const namespace = obj.metadata.namespace ?? '';
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

export async function registryClientFor(
  client: Pick<Client, 'get'>,
  obj: OCIRepositoryObject,
  ref: OciReference,
  signal: AbortSignal,
): Promise<RegistryClient> {
  return new RegistryClient({
    registry: ref.registry,
    insecure: obj.spec.insecure === true,
    credentials: await registryCredentials(client, obj, ref),
    tls: await registryTls(client, obj),
    signal,
    userAgent: 'weft-source-controller',
  });
}
