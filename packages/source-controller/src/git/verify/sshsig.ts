/**
 * SSH signatures as `ssh-keygen -Y sign` and `git` (gpg.format=ssh) make them: the `sshsig`
 * format of OpenSSH's PROTOCOL.sshsig, verified with node:crypto for ed25519, ECDSA (P-256,
 * P-384, P-521) and RSA (rsa-sha2-256/512) keys. Trusted keys come in `allowed_signers` form.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';

const magic = Buffer.from('SSHSIG');
/** git signs in this namespace; a signature made for another purpose must not pass. */
export const gitNamespace = 'git';

export class SshSignatureError extends Error {}

/** A trusted key of an allowed_signers file. */
export interface AllowedSigner {
  principals: string;
  /** The SSH wire encoding of the public key. */
  blob: Buffer;
  /** `SHA256:<base64>` as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** namespaces="…" option: the namespaces this key may sign in; all when absent. */
  namespaces?: string[];
}

class Reader {
  #offset = 0;
  readonly #data: Buffer;
  constructor(data: Buffer) {
    this.#data = data;
  }
  string(): Buffer {
    const length = this.uint32();
    if (this.#offset + length > this.#data.length) throw new SshSignatureError('truncated field');
    const value = this.#data.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return value;
  }
  text(): string {
    return this.string().toString('utf8');
  }
  uint32(): number {
    if (this.#offset + 4 > this.#data.length) throw new SshSignatureError('truncated field');
    const value = this.#data.readUInt32BE(this.#offset);
    this.#offset += 4;
    return value;
  }
  get done(): boolean {
    return this.#offset === this.#data.length;
  }
}

function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export interface SshSignature {
  publicKey: Buffer;
  namespace: string;
  hashAlgorithm: string;
  signatureFormat: string;
  signatureBytes: Buffer;
  reserved: Buffer;
}

/** Parses an armored `-----BEGIN SSH SIGNATURE-----` block. */
export function parseSshSignature(armored: string): SshSignature {
  const body = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(armored)?.[1];
  if (body === undefined) throw new SshSignatureError('not an armored SSH signature');
  const blob = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (!blob.subarray(0, magic.length).equals(magic)) throw new SshSignatureError('missing SSHSIG magic');
  const reader = new Reader(blob.subarray(magic.length));
  const version = reader.uint32();
  if (version !== 1) throw new SshSignatureError(`unsupported SSHSIG version ${version}`);
  const publicKey = reader.string();
  const namespace = reader.text();
  const reserved = reader.string();
  const hashAlgorithm = reader.text();
  const signature = new Reader(reader.string());
  const signatureFormat = signature.text();
  const signatureBytes = signature.string();
  return { publicKey, namespace, hashAlgorithm, signatureFormat, signatureBytes, reserved };
}

/** The public key of an SSH wire blob as a node:crypto key, and the signature algorithms it takes. */
function publicKeyOf(blob: Buffer): { key: KeyObject; type: string } {
  const reader = new Reader(blob);
  const type = reader.text();
  const b64url = (bytes: Buffer) => stripSign(bytes).toString('base64url');
  switch (type) {
    case 'ssh-ed25519': {
      const x = reader.string();
      return {
        type,
        key: createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: x.toString('base64url') },
          format: 'jwk',
        }),
      };
    }
    case 'ssh-rsa': {
      const e = reader.string();
      const n = reader.string();
      return {
        type,
        key: createPublicKey({ key: { kty: 'RSA', e: b64url(e), n: b64url(n) }, format: 'jwk' }),
      };
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      reader.string();
      const point = reader.string();
      const size = curveBytes(type);
      if (point[0] !== 4 || point.length !== 1 + 2 * size)
        throw new SshSignatureError('unsupported ECDSA point encoding');
      const x = point.subarray(1, 1 + size).toString('base64url');
      const y = point.subarray(1 + size).toString('base64url');
      return {
        type,
        key: createPublicKey({ key: { kty: 'EC', crv: curveName(type), x, y }, format: 'jwk' }),
      };
    }
    default:
      throw new SshSignatureError(`unsupported SSH key type ${type}`);
  }
}

function curveBytes(type: string): number {
  return type.endsWith('256') ? 32 : type.endsWith('384') ? 48 : 66;
}

function curveName(type: string): string {
  return type.endsWith('256') ? 'P-256' : type.endsWith('384') ? 'P-384' : 'P-521';
}

function stripSign(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function fixedWidth(bytes: Buffer, size: number): Buffer {
  const value = stripSign(bytes);
  if (value.length > size) throw new SshSignatureError('ECDSA signature component too long');
  return Buffer.concat([Buffer.alloc(size - value.length), value]);
}

/** Checks the signature over `message` with the key it names; returns that key's fingerprint. */
export function verifySshSignature(parsed: SshSignature, message: Buffer, namespace: string): void {
  if (parsed.namespace !== namespace) {
    throw new SshSignatureError(`signature made for namespace "${parsed.namespace}", not "${namespace}"`);
  }
  const hashName =
    parsed.hashAlgorithm === 'sha512' ? 'sha512' : parsed.hashAlgorithm === 'sha256' ? 'sha256' : undefined;
  if (hashName === undefined) throw new SshSignatureError(`unsupported hash ${parsed.hashAlgorithm}`);
  const signed = Buffer.concat([
    magic,
    sshString(parsed.namespace),
    sshString(parsed.reserved),
    sshString(parsed.hashAlgorithm),
    sshString(createHash(hashName).update(message).digest()),
  ]);
  const { key, type } = publicKeyOf(parsed.publicKey);
  let valid: boolean;
  switch (parsed.signatureFormat) {
    case 'ssh-ed25519':
      if (type !== 'ssh-ed25519') throw new SshSignatureError('signature and key types differ');
      valid = verify(null, signed, key, parsed.signatureBytes);
      break;
    case 'rsa-sha2-256':
    case 'rsa-sha2-512':
      if (type !== 'ssh-rsa') throw new SshSignatureError('signature and key types differ');
      valid = verify(
        parsed.signatureFormat === 'rsa-sha2-256' ? 'sha256' : 'sha512',
        signed,
        key,
        parsed.signatureBytes,
      );
      break;
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      if (type !== parsed.signatureFormat) throw new SshSignatureError('signature and key types differ');
      const components = new Reader(parsed.signatureBytes);
      const size = curveBytes(type);
      const r = fixedWidth(components.string(), size);
      const s = fixedWidth(components.string(), size);
      const digest = type.endsWith('256') ? 'sha256' : type.endsWith('384') ? 'sha384' : 'sha512';
      valid = verify(digest, signed, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([r, s]));
      break;
    }
    default:
      // ssh-rsa (SHA-1) signatures are refused, as OpenSSH does for sshsig.
      throw new SshSignatureError(`unsupported signature algorithm ${parsed.signatureFormat}`);
  }
  if (!valid) throw new SshSignatureError('the signature does not match the signed content');
}

const keyTypes = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521))$/;

/**
 * Reads allowed_signers lines (`principals [options] keytype base64 [comment]`); a line that is
 * just `keytype base64 [comment]` (an authorized_keys or `.pub` line) is taken too, for any
 * principal. Comments and blank lines are skipped; a malformed line throws, naming its number.
 */
export function parseAllowedSigners(text: string, source: string): AllowedSigner[] {
  const signers: AllowedSigner[] = [];
  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = tokenize(line);
    const typeAt = fields.findIndex((field) => keyTypes.test(field));
    const encoded = typeAt === -1 ? undefined : fields[typeAt + 1];
    if (typeAt === -1 || encoded === undefined) {
      throw new SshSignatureError(
        `${source} line ${index + 1}: no SSH public key (expected "principals keytype key")`,
      );
    }
    const blob = Buffer.from(encoded, 'base64');
    if (new Reader(blob).text() !== fields[typeAt]) {
      throw new SshSignatureError(
        `${source} line ${index + 1}: the key does not match its type ${fields[typeAt]}`,
      );
    }
    const signer: AllowedSigner = {
      principals: typeAt === 0 ? '*' : (fields[0] ?? '*'),
      blob,
      fingerprint: fingerprint(blob),
    };
    const options = fields.slice(1, typeAt).join(' ');
    const namespaces = /namespaces="([^"]*)"/i.exec(options)?.[1];
    if (namespaces !== undefined) signer.namespaces = namespaces.split(',');
    signers.push(signer);
  }
  return signers;
}

/** Splits on whitespace outside double quotes (options may hold quoted lists). */
function tokenize(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    if (!quoted && /\s/.test(char)) {
      if (current !== '') fields.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (current !== '') fields.push(current);
  return fields;
}
