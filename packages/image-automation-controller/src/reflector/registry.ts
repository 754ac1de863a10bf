/**
 * The registry client an ImageRepository's spec asks for: `spec.secretRef` (a dockerconfigjson
 * Secret) first, then the image pull secrets of `spec.serviceAccountName`; `spec.certSecretRef`
 * for TLS; `spec.insecure` for plain HTTP. ImagePolicy's digest lookups use the same client as
 * the repository it names.
 */
import type { ImageRepository } from '@weft/api';
import {
  type Credentials,
  type ImageName,
  type PullSecretReader,
  RegistryClient,
  registryCredentials,
  type TlsOptions,
  tlsFromSecret,
} from '@weft/oci';
import { type Client, decodeSecretData, isNotFound, type KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import { ReconcileError } from '@weft/runtime/reconcile';
import { ImageReason } from './reasons.ts';

export type ImageRepositoryObject = ImageRepository & KubeObject;

/** A Secret or ServiceAccount the spec names could not be read or used: AuthenticationFailed. */
function authError(message: string, cause?: unknown): ReconcileError {
  return new ReconcileError(
    ImageReason.AuthenticationFailed,
    message,
    cause === undefined ? undefined : { cause },
  );
}

/** Why a read failed, in a few words: the API's first line names the object, never its data. */
function readFailure(error: unknown): string {
  return isNotFound(error) ? 'not found' : (errorMessage(error).split('\n')[0]?.slice(0, 200) ?? '');
}

async function readSecret(
  client: Pick<Client, 'get'>,
  namespace: string,
  name: string,
  field: string,
): Promise<Record<string, string>> {
  try {
    const secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    return decodeSecretData(secret as unknown as Record<string, unknown>);
  } catch (error) {
    const why = readFailure(error);
    throw authError(`cannot read secret ${namespace}/${name} (${field}): ${why}`, error);
  }
}

/** Reads a repository's pull secrets with the controller's client; a failed read is AuthenticationFailed. */
function pullSecretReader(client: Pick<Client, 'get'>): PullSecretReader {
  return {
    secretData: (namespace, name, field) => readSecret(client, namespace, name, field),
    async imagePullSecrets(namespace, name) {
      let account: KubeObject & { imagePullSecrets?: { name?: string }[] };
      try {
        account = await client.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name });
      } catch (error) {
        const why = readFailure(error);
        throw authError(
          `cannot read service account ${namespace}/${name} (spec.serviceAccountName): ${why}`,
          error,
        );
      }
      return (account.imagePullSecrets ?? []).map((pull) => pull.name ?? '');
    },
  };
}

/** `spec.secretRef`, then the pull secrets of `spec.serviceAccountName` (`registryCredentials` of `@weft/oci`). */
async function credentialsFor(
  client: Pick<Client, 'get'>,
  repository: ImageRepositoryObject,
  image: ImageName,
): Promise<Credentials | undefined> {
  const refs = {
    namespace: repository.metadata.namespace ?? '',
    secretRef: repository.spec.secretRef,
    serviceAccountName: repository.spec.serviceAccountName,
  };
  try {
    return await registryCredentials(pullSecretReader(client), refs, image.registry);
  } catch (error) {
    throw error instanceof ReconcileError ? error : authError(errorMessage(error), error);
  }
}

async function registryTls(
  client: Pick<Client, 'get'>,
  repository: ImageRepositoryObject,
): Promise<TlsOptions | undefined> {
  const ref = repository.spec.certSecretRef;
  if (!ref) return undefined;
  const namespace = repository.metadata.namespace ?? '';
  const data = await readSecret(client, namespace, ref.name, 'spec.certSecretRef');
  const binary = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'utf8')]),
  );
  try {
    return tlsFromSecret(binary, `secret ${namespace}/${ref.name} (spec.certSecretRef)`);
  } catch (error) {
    throw authError(errorMessage(error), error);
  }
}

/**
 * Runs `use` with the registry client the repository's spec asks for (credentials, TLS, plain
 * HTTP), and closes the client when `use` is done.
 */
export async function withRegistry<T>(
  client: Pick<Client, 'get'>,
  repository: ImageRepositoryObject,
  image: ImageName,
  signal: AbortSignal,
  use: (registry: RegistryClient) => Promise<T>,
): Promise<T> {
  const registry = new RegistryClient({
    registry: image.registry,
    insecure: repository.spec.insecure === true,
    credentials: await credentialsFor(client, repository, image),
    tls: await registryTls(client, repository),
    signal,
    userAgent: 'weft-image-automation-controller',
  });
  try {
    return await use(registry);
  } finally {
    registry.close();
  }
}
