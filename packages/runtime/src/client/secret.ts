/**
 * The values of a Secret as text: each `data` value base64-decoded as UTF-8, then `stringData`
 * on top. The API server returns only `data`; `stringData` is write-only there, but an object
 * built in memory (a test, a dry run) may carry it, and it wins as it would on write.
 */
import { isRecord } from './types.ts';

export function decodeSecretData(secret: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  if (isRecord(secret.data)) {
    for (const [key, value] of Object.entries(secret.data)) {
      if (typeof value === 'string') values[key] = Buffer.from(value, 'base64').toString('utf8');
    }
  }
  if (isRecord(secret.stringData)) {
    for (const [key, value] of Object.entries(secret.stringData))
      if (typeof value === 'string') values[key] = value;
  }
  return values;
}
