/**
 * SSH material for bootstrap: an ed25519 deploy key in OpenSSH's own format (what `ssh-keygen
 * -t ed25519` writes, unencrypted), and the server's host keys, scanned with `ssh-keyscan` and
 * shown with their SHA256 fingerprints so the user can compare them before trusting them.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { CliError } from '../exit.ts';

export interface DeployKey {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` … */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicKey: string;
}

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

/** The OpenSSH private key format (PROTOCOL.key in OpenSSH's sources), without a cipher. */
export function generateDeployKey(comment: string): DeployKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicRaw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(publicRaw)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(publicRaw),
    sshString(Buffer.concat([seed, publicRaw])),
    sshString(comment),
  ]);
  // Padded to the cipher's block size (8 for "none") with 1, 2, 3, …
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
  };
}

/** `SHA256:…` of a public key line's blob, as `ssh-keygen -l` prints it. */
export function fingerprint(keyLine: string): string {
  const blob =
    keyLine
      .trim()
      .split(/\s+/)
      .find((field) => field.startsWith('AAAA')) ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** known_hosts lines for the server of an ssh:// URL, from `ssh-keyscan`. */
export function scanHostKeys(url: string): Promise<string> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port || '22';
  return new Promise((resolve, reject) => {
    execFile('ssh-keyscan', ['-T', '10', '-p', port, '-t', 'ed25519,ecdsa,rsa', host], (error, stdout) => {
      const lines = stdout
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('#'))
        .join('\n');
      if (lines === '') {
        const why =
          (error as NodeJS.ErrnoException | null)?.code === 'ENOENT'
            ? 'ssh-keyscan is not installed'
            : 'no answer';
        reject(
          new CliError(
            `cannot read the host key of ${host}:${port} (${why}); check the URL, or pass the known_hosts file with --ssh-known-hosts`,
          ),
        );
      } else resolve(`${lines}\n`);
    });
  });
}
