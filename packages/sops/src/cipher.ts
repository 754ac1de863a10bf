/**
 * SOPS's value encryption: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, AES-256-GCM under the
 * file's data key, with the value's path (`key:sub:`) as additional data, so a value moved to
 * another key does not decrypt.
 */
import { createDecipheriv } from 'node:crypto';

export type ValueType = 'str' | 'int' | 'float' | 'bool' | 'bytes' | 'comment';

export interface EncryptedValue {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: ValueType;
}

const pattern =
  /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(str|int|float|bool|bytes|comment)\]$/;

/** The parts of an encrypted value, or undefined when `text` is not one. */
export function parseEncrypted(text: string): EncryptedValue | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const [, data = '', iv = '', tag = '', type] = match;
  return {
    data: Buffer.from(data, 'base64'),
    iv: Buffer.from(iv, 'base64'),
    tag: Buffer.from(tag, 'base64'),
    type: type as ValueType,
  };
}

/** The plaintext bytes; throws when the key, the additional data or the ciphertext is wrong. */
export function decryptBytes(value: EncryptedValue, dataKey: Buffer, additionalData: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', dataKey, value.iv, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(additionalData, 'utf8'));
  decipher.setAuthTag(value.tag);
  return Buffer.concat([decipher.update(value.data), decipher.final()]);
}

/** A plaintext as the typed value SOPS encrypted. */
export function typedValue(plaintext: Buffer, type: ValueType): string | number | boolean | Buffer {
  switch (type) {
    case 'int':
    case 'float':
      return Number(plaintext.toString('utf8'));
    case 'bool':
      return plaintext.toString('utf8').toLowerCase() === 'true';
    case 'bytes':
      return plaintext;
    default:
      return plaintext.toString('utf8');
  }
}
