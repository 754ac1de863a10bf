/** The credentials of a GitRepository: its spec.secretRef read and turned into git auth. */
import type { GitRepository } from '@weft/api';
import { type Client, decodeSecretData, type KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import { authFromSecret, type GitAuth } from '../git/auth.ts';
import { GitError } from '../git/errors.ts';

export async function readAuth(
  client: Pick<Client, 'get'>,
  obj: GitRepository & KubeObject,
): Promise<GitAuth | undefined> {
  const secretRef = obj.spec.secretRef;
  if (!secretRef) return undefined;
  const namespace = obj.metadata.namespace ?? '';
  const secretName = `${namespace}/${secretRef.name}`;
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await client.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace,
      name: secretRef.name,
    });
  } catch (cause) {
    throw new GitError(
      'InvalidSecret',
      `cannot read secret ${secretName} (spec.secretRef): ${errorText(cause)}`,
      {
        cause,
        details: { secret: secretName },
      },
    );
  }
  return authFromSecret(obj.spec.url, secretName, decodeSecretData(secret));
}

function errorText(error: unknown): string {
  const message = errorMessage(error);
  // Never echo a response body that might carry secret data.
  return message.split('\n')[0]?.slice(0, 200) ?? '';
}
