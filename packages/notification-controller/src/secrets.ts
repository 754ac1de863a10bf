/** Reads Secrets for Providers and Receivers: the decoded `data` (and `stringData`, if any). */
import type { Client } from '@weft/runtime/client';
import type { SecretReader } from './provider/config.ts';

export function secretReader(client: Pick<Client, 'find'>): SecretReader {
  return async (namespace, name) => {
    const secret = await client.find({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    if (!secret) return undefined;
    const out: Record<string, string> = {};
    const data = secret.data;
    if (typeof data === 'object' && data !== null) {
      for (const [key, value] of Object.entries(data)) {
        if (typeof value === 'string') out[key] = Buffer.from(value, 'base64').toString('utf8');
      }
    }
    const stringData = secret.stringData;
    if (typeof stringData === 'object' && stringData !== null) {
      for (const [key, value] of Object.entries(stringData)) if (typeof value === 'string') out[key] = value;
    }
    return out;
  };
}
