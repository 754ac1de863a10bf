/**
 * The values of a Secret: `data` base64-decoded, as bytes or as UTF-8 text. The API server
 * returns only `data`; `stringData` is write-only there, but an object built in memory (a test,
 * a dry run) may carry it, and it wins as it would on write.
 */
import { isRecord } from './types.ts';

/** Each `data` value decoded to its bytes (keys, certificates: what must not go through UTF-8). */
export function decodeSecretBytes(secret: Record<string, unknown>): Record<string, Buffer> {
  const bytes: Record<string, Buffer> = {};
  if (isRecord(secret.data)) {
    for (const [key, value] of Object.entries(secret.data)) {
      if (typeof value === 'string') bytes[key] = Buffer.from(value, 'base64');
    }
  }
  if (isRecord(secret.stringData)) {
    for (const [key, value] of Object.entries(secret.stringData))
      if (typeof value === 'string') bytes[key] = Buffer.from(value, 'utf8');
  }
  return bytes;
}

/** Each `data` value decoded as UTF-8 text, then `stringData` on top. */
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
