/**
 * Keyed cosign verification of an OCI artifact, in both of cosign's formats:
 * - the `.sig` tag convention: the signature manifest is tagged `sha256-<hex>.sig` beside the
 *   artifact; each of its layers is a simple-signing payload (JSON naming the signed manifest
 *   digest) whose signature, base64 in the `dev.cosignproject.cosign/signature` annotation, is
 *   checked against the public keys;
 * - Sigstore bundles (`cosign sign --new-bundle-format`, cosign 3's default), stored as OCI 1.1
 *   referrers of the artifact: a DSSE envelope whose in-toto statement (predicate type
 *   `https://sigstore.dev/cosign/sign/v1`) names the manifest digest as its subject.
 * Keys are the `*.pub` entries of `spec.verify.secretRef`; signatures are checked with
 * @sigstore/core's crypto and DSSE encoding (Sigstore's own primitives).
 */

import { crypto, dsse } from '@sigstore/core';
import type { OCIRepositorySpec } from '@weft/api';
import { type Descriptor, MediaType, OciError, type RegistryClient } from '@weft/oci';
import type { Client } from '@weft/runtime/client';
import { readSecretData } from './secret.ts';

export const cosignSimpleSigningMediaType = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const cosignSignatureAnnotation = 'dev.cosignproject.cosign/signature';
const simpleSigningType = 'cosign container image signature';
/** A simple-signing payload is a few hundred bytes; a larger "payload" is not one. */
const maxPayloadSize = 256 * 1024;
/** A keyed bundle is a few KiB (one with certificates and log entries a few tens). */
const maxBundleSize = 1024 * 1024;
/** Referrers read per artifact: more signatures than this are not looked at. */
const maxReferrers = 32;
const inTotoStatementTypes = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'];
const cosignSignPredicate = 'https://sigstore.dev/cosign/sign/v1';

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

interface SigstoreBundle {
  mediaType?: unknown;
  dsseEnvelope?: { payload?: unknown; payloadType?: unknown; signatures?: { sig?: unknown }[] };
}

interface InTotoStatement {
  _type?: unknown;
  predicateType?: unknown;
  subject?: { digest?: { sha256?: unknown } }[];
}

/**
 * Checks a Sigstore bundle's DSSE signature against the keys, and that its statement is a cosign
 * signature naming `digest`; returns the name of the key that verified it.
 */
export function verifyBundle(
  bytes: Buffer,
  keys: ReadonlyMap<string, crypto.KeyObject>,
  digest: string,
): string | undefined {
  let bundle: SigstoreBundle;
  try {
    bundle = JSON.parse(bytes.toString('utf8')) as SigstoreBundle;
  } catch {
    return undefined;
  }
  const envelope = bundle.dsseEnvelope;
  if (
    typeof bundle.mediaType !== 'string' ||
    !bundle.mediaType.startsWith('application/vnd.dev.sigstore.bundle') ||
    typeof envelope?.payload !== 'string' ||
    typeof envelope.payloadType !== 'string' ||
    !Array.isArray(envelope.signatures)
  )
    return undefined;
  const payload = Buffer.from(envelope.payload, 'base64');
  const signed = dsse.preAuthEncoding(envelope.payloadType, payload);
  for (const { sig } of envelope.signatures) {
    if (typeof sig !== 'string') continue;
    const signature = Buffer.from(sig, 'base64');
    for (const [name, key] of keys) {
      let valid = false;
      try {
        valid = crypto.verify(signed, key, signature, 'sha256');
      } catch {
        valid = false;
      }
      if (!valid) continue;
      // A valid signature over a statement about another digest proves nothing about this one.
      let statement: InTotoStatement;
      try {
        statement = JSON.parse(payload.toString('utf8')) as InTotoStatement;
      } catch {
        return undefined;
      }
      const hex = digest.replace(/^sha256:/, '');
      if (
        envelope.payloadType === 'application/vnd.in-toto+json' &&
        inTotoStatementTypes.includes(String(statement._type)) &&
        statement.predicateType === cosignSignPredicate &&
        Array.isArray(statement.subject) &&
        statement.subject.some((subject) => subject?.digest?.sha256 === hex)
      )
        return name;
    }
  }
  return undefined;
}

/** The key that verifies one of the Sigstore bundles referring to `digest`, if any. */
async function verifyReferrerBundles(
  registry: RegistryClient,
  repository: string,
  digest: string,
  keys: ReadonlyMap<string, crypto.KeyObject>,
): Promise<{ key: string | undefined; found: number }> {
  // cosign lists its bundles with the artifact type of their config (empty JSON) in the index,
  // not the bundle's: so every referrer of either type is looked at, by its manifest.
  const referrers = (await registry.listReferrers(repository, digest))
    .filter((entry) =>
      ([undefined, MediaType.sigstoreBundle, MediaType.ociEmpty] as (string | undefined)[]).includes(
        entry.artifactType,
      ),
    )
    .slice(0, maxReferrers);
  let found = 0;
  for (const referrer of referrers) {
    const { manifest } = await registry.getManifest(repository, referrer.digest);
    const layer = manifest.layers.find((candidate) =>
      candidate.mediaType.startsWith('application/vnd.dev.sigstore.bundle'),
    );
    if (!layer) continue;
    found++;
    const key = verifyBundle(await registry.readBlob(repository, layer, maxBundleSize), keys, digest);
    if (key) return { key, found };
  }
  return { key: undefined, found };
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
  if ((verify.matchOIDCIdentity ?? []).length > 0)
    throw new VerificationError(
      "spec.verify.matchOIDCIdentity applies to keyless signatures, whose verification needs network access to Sigstore's Fulcio and Rekor services, which this controller does not have: remove it and verify with the key in spec.verify.secretRef",
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
  const what = `${options.repository}@${options.digest}`;
  let layers: Descriptor[] = [];
  try {
    layers = (await options.registry.getManifest(options.repository, tag)).manifest.layers;
  } catch (error) {
    if (!(error instanceof OciError && error.code === 'NotFound'))
      throw new VerificationError(
        `reading the cosign signature ${tag} failed: ${(error as Error).message}`,
        false,
        {
          cause: error,
        },
      );
  }
  for (const layer of layers) {
    const signature = layer.annotations?.[cosignSignatureAnnotation];
    if (layer.mediaType !== cosignSimpleSigningMediaType || signature === undefined) continue;
    const payload = await options.registry.readBlob(options.repository, layer, maxPayloadSize);
    const key = verifySimpleSigning(payload, signature, keys, options.digest);
    if (key) return `verified cosign signature with ${key} of secret ${secretName}`;
  }
  let bundles: Awaited<ReturnType<typeof verifyReferrerBundles>>;
  try {
    bundles = await verifyReferrerBundles(options.registry, options.repository, options.digest, keys);
  } catch (error) {
    throw new VerificationError(
      `reading the Sigstore bundles referring to ${what} failed: ${(error as Error).message}`,
      false,
      {
        cause: error,
      },
    );
  }
  if (bundles.key)
    return `verified cosign signature (Sigstore bundle) with ${bundles.key} of secret ${secretName}`;
  if (layers.length === 0 && bundles.found === 0)
    throw new VerificationError(
      `no cosign signature found for ${what} (neither tag ${tag} nor a Sigstore bundle among its referrers)`,
      false,
    );
  throw new VerificationError(
    `no cosign signature of ${what} verifies with the keys of secret ${secretName}`,
    false,
  );
}
