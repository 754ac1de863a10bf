/** The credentials of a GitRepository: its spec.secretRef read and turned into git auth. */
import type { GitRepository } from '@weft/api';
import { authFromSecret, type GitAuth, GitError } from '@weft/git';
import { type Client, decodeSecretData, type KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';

export async function readAuth(
  client: Pick<Client, 'get'>,
  obj: GitRepository & KubeObject,
): Promise<GitAuth | undefined> {
  const secretRef = obj.spec.secretRef;
  if (!secretRef) return undefined;
  const namespace = obj.metadata.namespace ?? '';
  const data = await readSecretData(client, namespace, secretRef.name, 'spec.secretRef');
  return authFromSecret(obj.spec.url, `${namespace}/${secretRef.name}`, data);
}

/** A Secret's data, decoded; `field` names the spec field that refers to it in errors. */
export async function readSecretData(
  client: Pick<Client, 'get'>,
  namespace: string,
  name: string,
  field: string,
): Promise<Record<string, string>> {
  const secretName = `${namespace}/${name}`;
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  } catch (cause) {
    throw new GitError('InvalidSecret', `cannot read secret ${secretName} (${field}): ${errorText(cause)}`, {
      cause,
      details: { secret: secretName },
    });
  }
  return decodeSecretData(secret);
}

function errorText(error: unknown): string {
  const message = errorMessage(error);
  // Never echo a response body that might carry secret data.
  return message.split('\n')[0]?.slice(0, 200) ?? '';
}
