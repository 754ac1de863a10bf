import { ArtifactError } from './errors.ts';

const digestPattern = /^sha256:([0-9a-f]{64})$/;

/** `sha256:<hex>` for a lowercase hex sha256. */
export function formatDigest(hex: string): string {
  return `sha256:${hex}`;
}

/** The hex part of a `sha256:<hex>` digest; throws InvalidReference for anything else. */
export function digestHex(digest: string): string {
  const match = digestPattern.exec(digest);
  if (!match?.[1]) {
    throw new ArtifactError('InvalidReference', `invalid artifact digest "${digest}": want sha256:<64 hex>`);
  }
  return match[1];
}
