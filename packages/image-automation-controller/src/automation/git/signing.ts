/**
 * Commit signing with an armored OpenPGP private key (`git.asc` of
 * `spec.git.commit.signingKey.secretRef`, its passphrase in `passphrase`), as Flux. The
 * signature is a detached binary-mode signature of the commit payload, what `gpg` makes for
 * `git commit -S`, so `git verify-commit` accepts it.
 */

import { GitError } from '@weft/git';
import type { PrivateKey } from 'openpgp';

export type CommitSigner = (payload: string) => Promise<string>;

export async function openPgpSigner(secretName: string, data: Record<string, string>): Promise<CommitSigner> {
  const armoredKey = data['git.asc'];
  if (armoredKey === undefined || armoredKey.trim() === '') {
    throw new GitError(
      'InvalidSecret',
      `secret ${secretName} has no key "git.asc": put the armored OpenPGP private key there`,
    );
  }
  // OpenPGP is loaded by the first automation that signs (~20 MiB of module code the controller
  // would otherwise hold from start, whether or not any automation has a signingKey).
  const { createMessage, decryptKey, readPrivateKey, sign } = await import('openpgp');
  let key: PrivateKey;
  try {
    key = await readPrivateKey({ armoredKey });
  } catch (cause) {
    throw new GitError(
      'InvalidSecret',
      `secret ${secretName} key "git.asc" is not an armored OpenPGP private key: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (!key.isDecrypted()) {
    const passphrase = data.passphrase;
    if (passphrase === undefined || passphrase === '') {
      throw new GitError(
        'InvalidSecret',
        `the key in secret ${secretName} is protected: put its passphrase in key "passphrase"`,
      );
    }
    try {
      key = await decryptKey({ privateKey: key, passphrase });
    } catch (cause) {
      throw new GitError(
        'InvalidSecret',
        `secret ${secretName} key "passphrase" does not unlock the key in "git.asc"`,
        { cause },
      );
    }
  }
  const signingKey = key;
  return async (payload) =>
    (await sign({
      message: await createMessage({ binary: new TextEncoder().encode(payload) }),
      signingKeys: signingKey,
      detached: true,
      format: 'armored',
    })) as string;
}
