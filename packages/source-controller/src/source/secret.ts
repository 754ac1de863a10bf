import { type Client, decodeSecretBytes, decodeSecretData, type KubeObject } from '@weft/runtime/client';

/** A Secret could not be read; the message names the Secret and the field, never its data. */
export class SecretError extends Error {
  override name = 'SecretError';
}

/**
 * The decoded data of the Secret `name` in `namespace`, read for the spec field `field`
 * (e.g. `spec.secretRef`). Errors say which Secret and field; the API's response body is left out.
 */
export async function readSecretData(
  client: Pick<Client, 'get'>,
  namespace: string,
  name: string,
  field: string,
): Promise<{ type: string | undefined; data: Record<string, string>; binary: Record<string, Buffer> }> {
  let secret: KubeObject & { type?: string; data?: Record<string, string> };
  try {
    secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const notFound = /not ?found|404/i.test(message);
    throw new SecretError(
      `cannot read secret ${namespace}/${name} (${field}): ${notFound ? 'not found' : (message.split('\n')[0]?.slice(0, 200) ?? '')}`,
      { cause },
    );
  }
  return { type: secret.type, data: decodeSecretData(secret), binary: decodeSecretBytes(secret) };
}
