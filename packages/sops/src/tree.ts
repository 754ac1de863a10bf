/**
 * Decrypts the values of a parsed file in SOPS's walk order and checks its MAC: SHA-512 over each
 * value's bytes in that order (only the encrypted ones with `mac_only_encrypted`), hex in upper
 * case, stored encrypted with `lastmodified` as additional data. Every format hands its values
 * over as `Leaf`s, so the rules live here once.
 */
import { createHash } from 'node:crypto';
import { decryptBytes, parseEncrypted, typedValue } from './cipher.ts';
import { isEncryptedPath, type SopsMetadata } from './metadata.ts';

export type PlainValue = string | number | boolean | Buffer | null;

/** One value of the file, in document order. */
export interface Leaf {
  /** The keys leading to it (list items do not add a key, as in SOPS). */
  path: readonly string[];
  value: PlainValue;
  /** Replaces the value by its decrypted form (`plaintext` holds its exact bytes). */
  set(value: PlainValue, plaintext: Buffer): void;
}

export class TreeError extends Error {}

/** Decrypts every leaf in place; throws TreeError on a bad value or MAC. */
export function decryptLeaves(leaves: Iterable<Leaf>, metadata: SopsMetadata, dataKey: Buffer): void {
  const hash = createHash('sha512');
  for (const leaf of leaves) {
    const encrypted = isEncryptedPath(metadata, leaf.path);
    if (!encrypted) {
      if (!metadata.mac_only_encrypted) hash.update(macBytes(leaf.value));
      continue;
    }
    const where = leaf.path.join('.') || '(root)';
    if (typeof leaf.value !== 'string') {
      // SOPS leaves null values as they are.
      if (leaf.value === null) continue;
      throw new TreeError(`value at ${where} should be encrypted but is not`);
    }
    const parsed = parseEncrypted(leaf.value);
    if (parsed === undefined) {
      if (leaf.value === '') continue;
      throw new TreeError(`value at ${where} should be encrypted but is not`);
    }
    let plaintext: Buffer;
    try {
      plaintext = decryptBytes(parsed, dataKey, `${leaf.path.join(':')}:`);
    } catch {
      throw new TreeError(
        `value at ${where} does not decrypt with the file's data key (was it edited or moved?)`,
      );
    }
    hash.update(plaintext);
    leaf.set(typedValue(plaintext, parsed.type), plaintext);
  }
  checkMac(metadata, dataKey, hash.digest('hex').toUpperCase());
}

function checkMac(metadata: SopsMetadata, dataKey: Buffer, computed: string): void {
  const stored = metadata.mac === undefined ? undefined : parseEncrypted(metadata.mac);
  if (stored === undefined || metadata.lastmodified === undefined) {
    throw new TreeError('the file has no MAC: it was not written by sops, or its metadata was cut');
  }
  let expected: string;
  try {
    expected = decryptBytes(stored, dataKey, metadata.lastmodified).toString('utf8');
  } catch {
    throw new TreeError('the MAC does not decrypt: the metadata was changed');
  }
  if (expected !== computed) {
    throw new TreeError('MAC mismatch: the file was changed after it was encrypted');
  }
}

/** The bytes SOPS hashes for an unencrypted value (Go's formatting of each type). */
function macBytes(value: PlainValue): Buffer {
  if (value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'boolean') return Buffer.from(value ? 'True' : 'False');
  if (typeof value === 'number') return Buffer.from(formatNumber(value));
  return Buffer.from(value, 'utf8');
}

function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0);
  return String(value);
}
