/**
 * The private keys that decrypt SOPS data keys, from a Secret as Flux reads it: entries ending in
 * `.agekey` hold age identities (`AGE-SECRET-KEY-1…`, and the post-quantum hybrid
 * `AGE-SECRET-KEY-PQ-1…`), entries ending in `.asc` hold armored OpenPGP private keys.
 */
import { type PrivateKey, readPrivateKeys } from 'openpgp';

export interface SopsKeys {
  age: string[];
  pgp: PrivateKey[];
}

export class SopsKeyError extends Error {}

const ageIdentity = /^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/;

/** Reads the keys of decoded Secret data; `secretName` goes into error messages. */
export async function sopsKeysFromSecret(
  data: Record<string, string>,
  secretName: string,
): Promise<SopsKeys> {
  const keys: SopsKeys = { age: [], pgp: [] };
  for (const [entry, value] of Object.entries(data)) {
    if (entry.endsWith('.agekey')) {
      for (const line of value.split('\n').map((text) => text.trim())) {
        if (line === '' || line.startsWith('#')) continue;
        if (!ageIdentity.test(line)) {
          throw new SopsKeyError(
            `secret ${secretName} key "${entry}" holds a line that is not an age identity`,
          );
        }
        keys.age.push(line);
      }
    } else if (entry.endsWith('.asc')) {
      try {
        keys.pgp.push(...(await readPrivateKeys({ armoredKeys: value })));
      } catch (error) {
        throw new SopsKeyError(
          `secret ${secretName} key "${entry}" is not an armored OpenPGP private key: ${(error as Error).message}`,
        );
      }
    }
  }
  if (keys.age.length === 0 && keys.pgp.length === 0) {
    throw new SopsKeyError(
      `secret ${secretName} holds no decryption key: add age identities as "<name>.agekey" or OpenPGP private keys as "<name>.asc"`,
    );
  }
  return keys;
}
