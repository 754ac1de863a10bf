/**
 * Keys that sign commits and tags the way a user's git does: OpenPGP keys made by the real `gpg`
 * and SSH keys made by `ssh-keygen`, used through `git -c gpg.format=… -c user.signingkey=…`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './process.ts';

export interface GitSigner {
  format: 'openpgp' | 'ssh';
  /** What `user.signingkey` is set to: the OpenPGP fingerprint, or the SSH private key file. */
  signingKey: string;
  /** The public half as a trusted-keys Secret holds it: armored OpenPGP, or an allowed_signers line. */
  publicKey: string;
  /** The fingerprint verification reports: OpenPGP hex (upper case), SSH `SHA256:…`. */
  fingerprint: string;
  /** GNUPGHOME of an OpenPGP signer. */
  gnupgHome?: string;
}

/** A new ed25519 OpenPGP key without passphrase in its own GNUPGHOME under `dir`. */
export async function createGpgSigner(dir: string, name: string): Promise<GitSigner> {
  const gnupgHome = join(dir, `gnupg-${name}`);
  await mkdir(gnupgHome, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: gnupgHome };
  const uid = `${name} <${name}@example.invalid>`;
  await run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never'], {
    env,
  });
  const listing = await run('gpg', ['--batch', '--with-colons', '--list-keys', uid], { env });
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (fingerprint === undefined) throw new Error(`gpg made no key for ${uid}`);
  const publicKey = await run('gpg', ['--batch', '--armor', '--export', fingerprint], { env });
  return { format: 'openpgp', signingKey: fingerprint, publicKey, fingerprint, gnupgHome };
}

/** A new ed25519 SSH signing key in `dir`; its public half as an allowed_signers line. */
export async function createSshSigner(dir: string, name: string): Promise<GitSigner> {
  const file = join(dir, `ssh-signer-${name}`);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  const pub = (await readFile(`${file}.pub`, 'utf8')).trim();
  const fingerprint = (await run('ssh-keygen', ['-l', '-f', `${file}.pub`])).split(' ')[1] ?? '';
  return { format: 'ssh', signingKey: file, publicKey: `${name}@example.invalid ${pub}\n`, fingerprint };
}

/** The `git -c` arguments and environment that sign with `signer`. */
export function signingArgs(signer: GitSigner): { args: string[]; env: NodeJS.ProcessEnv } {
  const args = ['-c', `gpg.format=${signer.format}`, '-c', `user.signingkey=${signer.signingKey}`];
  return { args, env: signer.gnupgHome === undefined ? {} : { GNUPGHOME: signer.gnupgHome } };
}
