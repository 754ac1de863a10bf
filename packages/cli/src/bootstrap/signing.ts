/**
 * OpenPGP commit signatures from an exported key ring (`gpg --export-secret-keys`, armored or
 * binary): `--gpg-key-ring`, `--gpg-key-id` (which key of the ring; the first signing key when
 * not given) and `--gpg-passphrase`, as Flux's bootstrap takes them.
 */
import { readFile } from 'node:fs/promises';
import { createMessage, decryptKey, type PrivateKey, readPrivateKeys, sign } from 'openpgp';
import { CliError, ExitCode } from '../exit.ts';

export interface CommitSigner {
  keyId: string;
  sign: (args: { payload: string }) => Promise<{ signature: string }>;
}

function matches(key: PrivateKey, id: string): boolean {
  const wanted = id.replace(/^0x/i, '').toLowerCase();
  const ids = [key, ...key.subkeys].flatMap((k) => [k.getKeyID().toHex(), k.getFingerprint()]);
  return ids.some((candidate) => candidate.toLowerCase().endsWith(wanted));
}

export async function loadSigner(options: {
  keyRingPath: string;
  keyId?: string;
  passphrase?: string;
}): Promise<CommitSigner> {
  let keys: PrivateKey[];
  try {
    const bytes = await readFile(options.keyRingPath);
    const text = bytes.toString('utf8');
    keys = text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')
      ? await readPrivateKeys({ armoredKeys: text })
      : await readPrivateKeys({ binaryKeys: bytes });
  } catch (error) {
    throw new CliError(
      `--gpg-key-ring ${options.keyRingPath}: ${(error as Error).message}; export it with gpg --export-secret-keys`,
      ExitCode.Usage,
    );
  }
  const key = options.keyId ? keys.find((k) => matches(k, options.keyId ?? '')) : keys[0];
  if (!key) {
    throw new CliError(
      `--gpg-key-id ${options.keyId}: no such key in ${options.keyRingPath}`,
      ExitCode.Usage,
    );
  }
  let unlocked = key;
  if (!key.isDecrypted()) {
    if (!options.passphrase) {
      throw new CliError(
        'the signing key is protected: give its passphrase with --gpg-passphrase',
        ExitCode.Usage,
      );
    }
    try {
      unlocked = await decryptKey({ privateKey: key, passphrase: options.passphrase });
    } catch {
      throw new CliError('--gpg-passphrase does not unlock the signing key', ExitCode.Usage);
    }
  }
  return {
    keyId: unlocked.getKeyID().toHex(),
    async sign({ payload }) {
      const signature = await sign({
        // Binary, not text: git verifies the signature over the payload's exact bytes.
        message: await createMessage({ binary: new TextEncoder().encode(payload) }),
        signingKeys: unlocked,
        detached: true,
        format: 'armored',
      });
      return { signature: signature as string };
    },
  };
}
