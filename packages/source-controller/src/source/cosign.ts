/**
 * Keyed cosign verification of an OCI artifact, in cosign's `.sig` tag convention: the signature
 * manifest is tagged `sha256-<hex>.sig` beside the artifact; each of its layers is a
 * simple-signing payload (JSON naming the signed manifest digest) whose signature, base64 in the
 * `dev.cosignproject.cosign/signature` annotation, is checked against the public keys of
 * `spec.verify.secretRef` with @sigstore/core's crypto (Sigstore's own primitives).
 */

import { crypto } from '@sigstore/core';
import type { OCIRepositorySpec } from '@weft/api';
import { type Descriptor, OciError, type RegistryClient } from '@weft/oci';
import type { Client } from '@weft/runtime/client';
import { readSecretData } from './secret.ts';

export const cosignSimpleSigningMediaType = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const cosignSignatureAnnotation = 'dev.cosignproject.cosign/signature';
const simpleSigningType = 'cosign container image signature';
/** A simple-signing payload is a few hundred bytes; a larger "payload" is not one. */
const maxPayloadSize = 256 * 1024;

/** A failed verification; `terminal` when only a spec change can fix it (nothing to retry). */
export class VerificationError extends Error {
  override name = 'VerificationError';
  readonly terminal: boolean;
  constructor(message: string, terminal: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.terminal = terminal;
  }
}

/** cosign's signature tag for a manifest digest: `sha256:<hex>` → `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

interface SimpleSigningPayload {
  critical?: { type?: unknown; image?: { 'docker-manifest-digest'?: unknown } };
}

/** Checks one payload and signature against the keys; returns the name of the key that verified it. */
export function verifySimpleSigning(
  payload: Buffer,
  signatureBase64: string,
  keys: ReadonlyMap<string, crypto.KeyObject>,
  digest: string,
): string | undefined {
  const signature = Buffer.from(signatureBase64, 'base64');
  for (const [name, key] of keys) {
    let valid = false;
    try {
      valid = crypto.verify(payload, key, signature, 'sha256');
    } catch {
      valid = false;
    }
    if (!valid) continue;
    // A valid signature over a payload for another digest proves nothing about this one.
    let parsed: SimpleSigningPayload;
    try {
      parsed = JSON.parse(payload.toString('utf8')) as SimpleSigningPayload;
    } catch {
      return undefined;
    }
    if (
      parsed.critical?.type === simpleSigningType &&
      parsed.critical.image?.['docker-manifest-digest'] === digest
    )
      return name;
  }
  return undefined;
}

/** Parses every `*.pub` entry of the Secret as a PEM public key. */
export function parsePublicKeys(
  data: Record<string, string>,
  secretName: string,
): Map<string, crypto.KeyObject> {
  const keys = new Map<string, crypto.KeyObject>();
  for (const [name, pem] of Object.entries(data)) {
    if (!name.endsWith('.pub')) continue;
    try {
      keys.set(name, crypto.createPublicKey(pem));
    } catch {
      throw new VerificationError(`${name} in secret ${secretName} is not a PEM public key`, true);
    }
  }
  if (keys.size === 0)
    throw new VerificationError(
      `secret ${secretName} (spec.verify.secretRef) holds no *.pub public key, e.g. cosign.pub`,
      true,
    );
  return keys;
}

/** Verifies the artifact `repository@digest`; returns what verified it, for the SourceVerified message. */
export async function verifyArtifact(options: {
  client: Pick<Client, 'get'>;
  /** `spec.verify` of an OCIRepository or a HelmChart (the same schema). */
  verify: NonNullable<OCIRepositorySpec['verify']>;
  /** The namespace of the object, where `verify.secretRef` is read. */
  namespace: string;
  registry: RegistryClient;
  repository: string;
  digest: string;
}): Promise<string> {
  const verify = options.verify;
  if (verify.provider === 'notation')
    throw new VerificationError(
      'spec.verify.provider notation is not supported by weft yet: use cosign',
      true,
    );
  if (!verify.secretRef)
    throw new VerificationError(
      "keyless cosign verification (spec.verify without secretRef) needs network access to Sigstore's Fulcio and Rekor services, which this controller does not have: sign with a key and give its cosign.pub in spec.verify.secretRef",
      true,
    );
  const namespace = options.namespace;
  const secretName = `${namespace}/${verify.secretRef.name}`;
  let secret: Awaited<ReturnType<typeof readSecretData>>;
  try {
    secret = await readSecretData(options.client, namespace, verify.secretRef.name, 'spec.verify.secretRef');
  } catch (error) {
    throw new VerificationError((error as Error).message, false, { cause: error });
  }
  const keys = parsePublicKeys(secret.data, secretName);
  const tag = signatureTag(options.digest);
  let layers: Descriptor[];
  try {
    layers = (await options.registry.getManifest(options.repository, tag)).manifest.layers;
  } catch (error) {
    if (error instanceof OciError && error.code === 'NotFound')
      throw new VerificationError(
        `no cosign signature found for ${options.repository}@${options.digest} (tag ${tag}); signatures stored as Sigstore bundles (cosign --new-bundle-format, the default of cosign 3) are not read yet`,
        false,
      );
    throw new VerificationError(
      `reading the cosign signature ${tag} failed: ${(error as Error).message}`,
      false,
      { cause: error },
    );
  }
  for (const layer of layers) {
    const signature = layer.annotations?.[cosignSignatureAnnotation];
    if (layer.mediaType !== cosignSimpleSigningMediaType || signature === undefined) continue;
    const payload = await options.registry.readBlob(options.repository, layer, maxPayloadSize);
    const key = verifySimpleSigning(payload, signature, keys, options.digest);
    if (key) return `verified cosign signature with ${key} of secret ${secretName}`;
  }
  throw new VerificationError(
    `no cosign signature of ${options.repository}@${options.digest} verifies with the keys of secret ${secretName}`,
    false,
  );
}
