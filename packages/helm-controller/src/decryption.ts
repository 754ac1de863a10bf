/**
 * spec.decryption (provider sops) for values: a valuesFrom Secret or ConfigMap whose key holds a
 * SOPS-encrypted YAML or JSON document, and chart valuesFiles encrypted with SOPS, are decrypted
 * in memory with @weft/sops before they are merged. Nothing decrypted is written to disk, logged
 * or put in a status: errors name the object or file and the key, never a value.
 *
 * Without spec.decryption an encrypted document is refused rather than merged as ciphertext.
 *
 * @weft/sops (age, OpenPGP: ~16 MiB of the controller's resident memory) is loaded at the first
 * document that can be a SOPS document: one without the word `sops` (every SOPS document has a
 * top-level `sops` key) is not one, and most releases never load it.
 */
import { type Client, decodeSecretData, type KubeObject } from '@weft/runtime/client';
import type { SopsKeys } from '@weft/sops';
import type { HelmReleaseObject } from './types.ts';

const sops = () => import('@weft/sops');

export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

/** Decrypts `text` when it is a SOPS document; `what` names it in errors. */
export type DecryptValues = (text: string, what: string) => Promise<string>;

/** A values document is YAML; SOPS writes JSON files as JSON, which is YAML too. */
async function sopsFormatOf(text: string): Promise<'yaml' | 'json' | undefined> {
  if (!text.includes('sops')) return undefined;
  const { isSopsEncrypted } = await sops();
  const content = Buffer.from(text, 'utf8');
  if (text.trimStart().startsWith('{')) return isSopsEncrypted(content, 'json') ? 'json' : undefined;
  return isSopsEncrypted(content, 'yaml') ? 'yaml' : undefined;
}

async function readKeys(client: Pick<Client, 'get'>, obj: HelmReleaseObject): Promise<SopsKeys> {
  const namespace = obj.metadata.namespace ?? '';
  const secretRef = obj.spec.decryption?.secretRef;
  if (secretRef === undefined)
    throw new DecryptionError(
      'spec.decryption.secretRef is required: weft decrypts with age and OpenPGP keys from a Secret (cloud KMS is not supported yet)',
    );
  const secretName = `${namespace}/${secretRef.name}`;
  let secret: KubeObject;
  try {
    secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretRef.name });
  } catch (error) {
    throw new DecryptionError(
      `cannot read the decryption secret ${secretName} (spec.decryption.secretRef): ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const { sopsKeysFromSecret } = await sops();
  return sopsKeysFromSecret(decodeSecretData(secret), secretName).catch((error: Error) => {
    throw new DecryptionError(error.message);
  });
}

/**
 * The values decryption of a HelmRelease: with spec.decryption, SOPS documents are decrypted
 * (the keys Secret is read at the first one); without, they are refused.
 */
export function valuesDecryption(client: Pick<Client, 'get'>, obj: HelmReleaseObject): DecryptValues {
  let keys: Promise<SopsKeys> | undefined;
  return async (text, what) => {
    const format = await sopsFormatOf(text);
    if (format === undefined) return text;
    if (obj.spec.decryption === undefined)
      throw new DecryptionError(
        `${what} is encrypted with SOPS: set spec.decryption (provider sops, secretRef) to decrypt it`,
      );
    keys ??= readKeys(client, obj);
    try {
      const { decryptSops } = await sops();
      return (
        await decryptSops(Buffer.from(text, 'utf8'), { keys: await keys, file: what, format })
      ).toString('utf8');
    } catch (error) {
      if (error instanceof DecryptionError) throw error;
      // SopsError messages name the file (here: the object and key), never a value.
      throw new DecryptionError(`decryption failed: ${(error as Error).message}`);
    }
  };
}
