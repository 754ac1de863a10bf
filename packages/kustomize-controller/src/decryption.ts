/**
 * spec.decryption (provider sops): the SOPS-encrypted files of an artifact, decrypted in memory
 * for the build (`BuildOptions.files`), and the decryption of `substituteFrom` Secret values that
 * are SOPS files. Nothing decrypted is written anywhere: the artifact's extraction is shared and
 * read-only, and errors name files and keys, never values.
 */
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { Annotation, AnnotationValue } from '@weft/api';
import { type Client, decodeSecretData, type KubeObject } from '@weft/runtime/client';
import {
  decryptSops,
  formatForPath,
  isSopsEncrypted,
  type SopsFormat,
  type SopsKeys,
  sopsKeysFromSecret,
} from '@weft/sops';
import type { KustomizationObject } from './types.ts';

/** Files larger than this are not looked at: SOPS files are small, and this bounds the scan. */
const maxEncryptedFileBytes = 4 * 1024 * 1024;

export class DecryptionError extends Error {}

export interface Decryption {
  /** Every SOPS file under `root` (by real path), decrypted; objects opted out are left alone. */
  decryptTree(root: string): Promise<ReadonlyMap<string, Buffer>>;
  /** A value that is a SOPS file (any format) decrypted; any other value as it is. */
  decryptValue(value: string, what: string): Promise<string>;
}

/** The decryption the spec asks for, with its keys read; undefined without spec.decryption. */
export async function sopsDecryption(
  client: Client,
  obj: KustomizationObject,
): Promise<Decryption | undefined> {
  const spec = obj.spec.decryption;
  if (spec === undefined) return undefined;
  const namespace = obj.metadata.namespace ?? '';
  if (spec.secretRef === undefined) {
    throw new DecryptionError(
      'spec.decryption.secretRef is required: weft decrypts with age and OpenPGP keys from a Secret (cloud KMS is not supported yet)',
    );
  }
  const secretName = `${namespace}/${spec.secretRef.name}`;
  let secret: KubeObject;
  try {
    secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: spec.secretRef.name });
  } catch (error) {
    throw new DecryptionError(
      `cannot read the decryption secret ${secretName}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const keys = await sopsKeysFromSecret(decodeSecretData(secret), secretName).catch((error: Error) => {
    throw new DecryptionError(error.message);
  });
  return {
    decryptTree: (root) => decryptTree(root, keys),
    decryptValue: (value, what) => decryptValue(value, what, keys),
  };
}

/** Every SOPS file under `root` decrypted, by real path; exported for its unit test. */
export async function decryptTree(root: string, keys: SopsKeys): Promise<ReadonlyMap<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const realRoot = await realpath(root);
  const pending = [realRoot];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        pending.push(path);
        continue;
      }
      // Symlinks are not followed: the file they point at inside the root is scanned itself.
      if (!entry.isFile() || (await lstat(path)).size > maxEncryptedFileBytes) continue;
      const content = await readFile(path);
      const format = formatForPath(entry.name);
      if (!isSopsEncrypted(content, format) || optedOut(content)) continue;
      files.set(path, await decryptSops(content, { keys, file: path.slice(realRoot.length + 1), format }));
    }
  }
  return files;
}

const optOut = new RegExp(
  `${Annotation.KustomizeDecrypt.replaceAll('.', '\\.')}["']?\\s*:\\s*["']?${AnnotationValue.Disabled}\\b`,
);

/** An object of the file carries `kustomize.weft.dev/decrypt: disabled` in plain text. */
function optedOut(content: Buffer): boolean {
  return optOut.test(content.toString('utf8'));
}

/** The SOPS format of a Secret value that is a whole SOPS file, or undefined. */
function valueFormat(content: Buffer): SopsFormat | undefined {
  if (content.toString('utf8').trimStart().startsWith('{')) {
    if (!isSopsEncrypted(content, 'json')) return undefined;
    // sops keeps a binary file as JSON with only `data` and `sops`.
    const fields = Object.keys(JSON.parse(content.toString('utf8')) as object);
    return fields.length === 2 && fields.includes('data') ? 'binary' : 'json';
  }
  return (['yaml', 'dotenv', 'ini'] as const).find((format) => isSopsEncrypted(content, format));
}

async function decryptValue(value: string, what: string, keys: SopsKeys): Promise<string> {
  const content = Buffer.from(value, 'utf8');
  const format = valueFormat(content);
  if (format === undefined) return value;
  return (await decryptSops(content, { keys, file: what, format })).toString('utf8');
}
