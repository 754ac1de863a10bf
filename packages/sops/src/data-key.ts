/**
 * Unwraps a file's data key with the keys at hand: age identities (X25519 and the post-quantum
 * hybrid, through `age-encryption`) and OpenPGP private keys (through `openpgp`). Any one master
 * key that opens is enough; Shamir-split key groups (threshold above one) are refused.
 */
import { armor, Decrypter } from 'age-encryption';
import { decrypt, readMessage } from 'openpgp';
import type { SopsKeys } from './keys.ts';
import type { KeyGroup, MasterKey, SopsMetadata } from './metadata.ts';

export class DataKeyError extends Error {}

export async function unwrapDataKey(metadata: SopsMetadata, keys: SopsKeys): Promise<Buffer> {
  const groups: KeyGroup[] = metadata.key_groups ?? [metadata];
  if (groups.length > 1 && (metadata.shamir_threshold ?? groups.length) > 1) {
    throw new DataKeyError(
      `the data key is split across ${groups.length} key groups (Shamir threshold ${metadata.shamir_threshold ?? groups.length}): not supported`,
    );
  }
  const age = groups.flatMap((group) => group.age ?? []);
  const pgp = groups.flatMap((group) => group.pgp ?? []);
  if (age.length === 0 && pgp.length === 0) {
    throw new DataKeyError(
      'the file has no age or OpenPGP master key (other key services are not supported)',
    );
  }
  const tried: string[] = [];
  if (keys.age.length > 0) {
    for (const entry of age) {
      const dataKey = await unwrapAge(entry, keys.age);
      if (dataKey) return dataKey;
      tried.push(`age recipient ${entry.recipient ?? '?'}`);
    }
  } else if (age.length > 0) {
    tried.push(...age.map((entry) => `age recipient ${entry.recipient ?? '?'}`));
  }
  if (keys.pgp.length > 0) {
    for (const entry of pgp) {
      const dataKey = await unwrapPgp(entry, keys);
      if (dataKey) return dataKey;
      tried.push(`OpenPGP key ${entry.fp ?? '?'}`);
    }
  } else if (pgp.length > 0) {
    tried.push(...pgp.map((entry) => `OpenPGP key ${entry.fp ?? '?'}`));
  }
  throw new DataKeyError(
    `no decryption key in the secret matches the file's master keys (${tried.join(', ')})`,
  );
}

async function unwrapAge(entry: MasterKey, identities: string[]): Promise<Buffer | undefined> {
  if (entry.enc === undefined) return undefined;
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  try {
    return Buffer.from(await decrypter.decrypt(armor.decode(entry.enc)));
  } catch {
    // No identity matches this recipient: try the next master key.
    return undefined;
  }
}

async function unwrapPgp(entry: MasterKey, keys: SopsKeys): Promise<Buffer | undefined> {
  if (entry.enc === undefined) return undefined;
  try {
    const message = await readMessage({ armoredMessage: entry.enc });
    const { data } = await decrypt({ message, decryptionKeys: keys.pgp, format: 'binary' });
    return Buffer.from(data as Uint8Array);
  } catch {
    return undefined;
  }
}
