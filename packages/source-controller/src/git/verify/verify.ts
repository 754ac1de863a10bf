/**
 * Verifies the signature of a raw commit or tag object against a keyring: OpenPGP signatures
 * with `openpgp`, SSH signatures (sshsig, namespace "git") with node:crypto. Returns the
 * fingerprint of the key that made a good signature; throws `SignatureError` otherwise.
 */
import { createMessage, readSignature, verify } from 'openpgp';
import type { Keyring } from './keyring.ts';
import { splitCommit, splitTag } from './signed-object.ts';
import {
  fingerprint,
  gitNamespace,
  parseSshSignature,
  SshSignatureError,
  verifySshSignature,
} from './sshsig.ts';

export type SignedKind = 'commit' | 'tag';

export class SignatureError extends Error {}

export interface Verified {
  /** The fingerprint of the trusted key: hex for OpenPGP, `SHA256:…` for SSH. */
  fingerprint: string;
  format: 'openpgp' | 'ssh';
}

/** `raw` is the object's content (what follows `<type> <size>\0`). `what` names it in messages. */
export async function verifyObject(
  kind: SignedKind,
  raw: Buffer,
  keyring: Keyring,
  what: string,
): Promise<Verified> {
  const { payload, signature } = kind === 'commit' ? splitCommit(raw) : splitTag(raw);
  if (signature === undefined) throw new SignatureError(`${what} is not signed`);
  if (signature.includes('-----BEGIN SSH SIGNATURE-----'))
    return verifySsh(payload, signature, keyring, what);
  if (signature.includes('-----BEGIN PGP SIGNATURE-----'))
    return verifyOpenPgp(payload, signature, keyring, what);
  throw new SignatureError(
    `${what} carries a signature of an unsupported kind (only OpenPGP and SSH are verified)`,
  );
}

async function verifyOpenPgp(
  payload: Buffer,
  armoredSignature: string,
  keyring: Keyring,
  what: string,
): Promise<Verified> {
  if (keyring.openpgp.length === 0) {
    throw new SignatureError(`${what} has an OpenPGP signature, but the secret holds no OpenPGP key`);
  }
  let signature: Awaited<ReturnType<typeof readSignature>>;
  try {
    signature = await readSignature({ armoredSignature });
  } catch (error) {
    throw new SignatureError(`${what} has an unreadable OpenPGP signature: ${(error as Error).message}`);
  }
  const message = await createMessage({ binary: payload });
  const result = await verify({ message, signature, verificationKeys: keyring.openpgp, format: 'binary' });
  const keyIds: string[] = [];
  for (const candidate of result.signatures) {
    keyIds.push(candidate.keyID.toHex().toUpperCase());
    try {
      await candidate.verified;
    } catch {
      continue;
    }
    const key = keyring.openpgp.find((trusted) => trusted.getKeys(candidate.keyID).length > 0);
    if (key) return { fingerprint: key.getFingerprint().toUpperCase(), format: 'openpgp' };
  }
  throw new SignatureError(
    `${what} is not signed by a trusted OpenPGP key (signed by key ${keyIds.join(', ') || 'unknown'})`,
  );
}

function verifySsh(payload: Buffer, armored: string, keyring: Keyring, what: string): Verified {
  let parsed: ReturnType<typeof parseSshSignature>;
  try {
    parsed = parseSshSignature(armored);
  } catch (error) {
    throw new SignatureError(`${what} has an unreadable SSH signature: ${(error as Error).message}`);
  }
  const signer = keyring.ssh.find((candidate) => candidate.blob.equals(parsed.publicKey));
  if (!signer) {
    throw new SignatureError(
      `${what} is not signed by a trusted SSH key (signed by ${fingerprint(parsed.publicKey)})`,
    );
  }
  if (signer.namespaces !== undefined && !signer.namespaces.includes(gitNamespace)) {
    throw new SignatureError(`${what}: key ${signer.fingerprint} is not allowed to sign in namespace "git"`);
  }
  try {
    verifySshSignature(parsed, payload, gitNamespace);
  } catch (error) {
    if (error instanceof SshSignatureError)
      throw new SignatureError(`${what}: bad SSH signature: ${error.message}`);
    throw error;
  }
  return { fingerprint: signer.fingerprint, format: 'ssh' };
}
