/**
 * The trusted keys of `spec.verify.secretRef`: every value of the Secret is read, whatever its
 * key (Flux reads `*.asc` and any other entry alike). A value holding an armored OpenPGP block is
 * taken as OpenPGP public keys; any other value as SSH keys in `allowed_signers` form.
 */
import { type PublicKey, readKeys } from 'openpgp';
import { type AllowedSigner, parseAllowedSigners } from './sshsig.ts';

export interface Keyring {
  openpgp: PublicKey[];
  ssh: AllowedSigner[];
}

export class KeyringError extends Error {}

const pgpBlock = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g;

/** Builds the keyring from decoded Secret data; `secretName` goes into error messages. */
export async function keyringFromSecret(data: Record<string, string>, secretName: string): Promise<Keyring> {
  const keyring: Keyring = { openpgp: [], ssh: [] };
  for (const [entry, value] of Object.entries(data)) {
    const blocks = value.match(pgpBlock);
    if (blocks) {
      for (const armoredKeys of blocks) {
        try {
          keyring.openpgp.push(...(await readKeys({ armoredKeys })));
        } catch (error) {
          throw new KeyringError(
            `secret ${secretName} key "${entry}" holds an unreadable OpenPGP key: ${(error as Error).message}`,
          );
        }
      }
      continue;
    }
    try {
      keyring.ssh.push(...parseAllowedSigners(value, `secret ${secretName} key "${entry}"`));
    } catch (error) {
      throw new KeyringError((error as Error).message);
    }
  }
  if (keyring.openpgp.length === 0 && keyring.ssh.length === 0) {
    throw new KeyringError(
      `secret ${secretName} holds no public key: add OpenPGP keys (armored, e.g. "author.asc") or SSH keys in allowed_signers form`,
    );
  }
  return keyring;
}
