/** Reads Secrets for Providers and Receivers: the decoded `data` (and `stringData`, if any). */
import { type Client, decodeSecretData } from '@weft/runtime/client';
import type { SecretReader } from './provider/config.ts';

export function secretReader(client: Pick<Client, 'find'>): SecretReader {
  return async (namespace, name) => {
    const secret = await client.find({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    return secret ? decodeSecretData(secret) : undefined;
  };
}
