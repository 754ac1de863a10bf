/**
 * Decrypts a SOPS file in memory: finds its format (by file name, as sops does), unwraps the
 * data key, decrypts every value with its path as additional data and checks the MAC. The
 * plaintext is only ever returned, never written or logged; errors name the file, not values.
 */
import { type DataKeyError, unwrapDataKey } from './data-key.ts';
import { SopsError } from './errors.ts';
import { documentLeaves, jsonText, parseDocuments, yamlText } from './formats/document.ts';
import { dotenvText, iniText, lineLeaves, type ParsedLines, parseDotenv, parseIni } from './formats/lines.ts';
import type { SopsKeys } from './keys.ts';
import type { SopsMetadata } from './metadata.ts';
import { decryptLeaves, type Leaf } from './tree.ts';

export type SopsFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

/** The format sops would pick for a file name: by extension, binary otherwise. */
export function formatForPath(path: string): SopsFormat {
  const name = path.toLowerCase();
  if (name.endsWith('.yaml') || name.endsWith('.yml')) return 'yaml';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.env')) return 'dotenv';
  if (name.endsWith('.ini')) return 'ini';
  return 'binary';
}

interface Parsed {
  metadata: SopsMetadata | undefined;
  leaves(): Iterable<Leaf>;
  render(): Buffer;
}

function parse(content: Buffer, format: SopsFormat): Parsed {
  const text = content.toString('utf8');
  switch (format) {
    case 'yaml':
    case 'json': {
      const { documents, metadata } = parseDocuments(text);
      return {
        metadata,
        leaves: () => documentLeaves(documents),
        render: () => Buffer.from(format === 'yaml' ? yamlText(documents) : jsonText(documents)),
      };
    }
    case 'dotenv':
    case 'ini': {
      const parsed: ParsedLines = format === 'dotenv' ? parseDotenv(text) : parseIni(text);
      return {
        metadata: parsed.metadata,
        leaves: () => lineLeaves(parsed.entries),
        render: () => Buffer.from(format === 'dotenv' ? dotenvText(parsed) : iniText(parsed)),
      };
    }
    case 'binary': {
      // sops keeps a binary file as JSON: {"data": ENC[…], "sops": {…}}.
      if (!content.subarray(0, 64).toString('utf8').trimStart().startsWith('{')) {
        return { metadata: undefined, leaves: () => [], render: () => content };
      }
      const { documents, metadata } = parseDocuments(text);
      let data: Buffer = Buffer.alloc(0);
      const leaves = [...documentLeaves(documents)].map((leaf) => ({
        ...leaf,
        set(_value: Leaf['value'], plaintext: Buffer) {
          data = plaintext;
        },
      }));
      return { metadata, leaves: () => leaves, render: () => data };
    }
  }
}

/** Whether `content` is a SOPS-encrypted file of the format (it carries SOPS metadata with a MAC). */
export function isSopsEncrypted(content: Buffer, format: SopsFormat): boolean {
  const text = content.toString('utf8');
  switch (format) {
    case 'dotenv':
      return /^sops_mac=/m.test(text);
    case 'ini':
      return /^\[sops\]\s*$/m.test(text) && /^\s*mac\s*=/m.test(text);
    default:
      // Cheap test first: most files in a build are not encrypted.
      if (!/(^|\n|")\s*"?sops"?\s*:/.test(text) || !text.includes('ENC[AES256_GCM,')) return false;
      try {
        return parse(content, format).metadata?.mac !== undefined;
      } catch {
        return false;
      }
  }
}

export interface DecryptOptions {
  keys: SopsKeys;
  /** The file's name or path, for messages and to pick the format when `format` is absent. */
  file: string;
  format?: SopsFormat;
}

/** The decrypted file; throws SopsError (naming the file) on a wrong key, value or MAC. */
export async function decryptSops(content: Buffer, options: DecryptOptions): Promise<Buffer> {
  const format = options.format ?? formatForPath(options.file);
  let parsed: Parsed;
  try {
    parsed = parse(content, format);
  } catch (error) {
    throw new SopsError(options.file, `cannot parse as ${format}: ${(error as Error).message}`);
  }
  const metadata = parsed.metadata;
  if (metadata?.mac === undefined)
    throw new SopsError(options.file, 'not a SOPS-encrypted file (no sops metadata)');
  let dataKey: Buffer;
  try {
    dataKey = await unwrapDataKey(metadata, options.keys);
  } catch (error) {
    throw new SopsError(options.file, `cannot decrypt the data key: ${(error as DataKeyError).message}`);
  }
  try {
    decryptLeaves(parsed.leaves(), metadata, dataKey);
  } catch (error) {
    throw new SopsError(options.file, (error as Error).message);
  } finally {
    dataKey.fill(0);
  }
  return parsed.render();
}
