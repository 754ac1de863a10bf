import { OciError } from './errors.ts';

/** A repository in a registry, and optionally a tag or digest in it. */
export interface OciReference {
  /** `host[:port]`, as credentials and tokens are keyed. */
  registry: string;
  /** `path/name`, lower case, as the distribution spec allows. */
  repository: string;
  tag?: string;
  /** `sha256:<hex>` */
  digest?: string;
}

const repositoryPattern =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;

export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag);
}

export function isValidDigest(digest: string): boolean {
  return digestPattern.test(digest);
}

/**
 * Parses `oci://host[:port]/path/name[:tag][@sha256:…]` (the `oci://` prefix is optional).
 * `allowTag: false` refuses a tag or digest, as OCIRepository's `spec.url` must name only the repository.
 */
export function parseReference(url: string, options: { allowTag?: boolean } = {}): OciReference {
  const allowTag = options.allowTag ?? true;
  const text = url.startsWith('oci://') ? url.slice('oci://'.length) : url;
  const invalid = (why: string) => new OciError('InvalidReference', `invalid OCI reference "${url}": ${why}`);
  const slash = text.indexOf('/');
  if (slash <= 0) throw invalid('expected oci://<host>/<repository>');
  const registry = text.slice(0, slash);
  let rest = text.slice(slash + 1);
  if (!/^[A-Za-z0-9.-]+(?::\d+)?$/.test(registry) && !/^\[[0-9a-fA-F:]+\](?::\d+)?$/.test(registry))
    throw invalid(`"${registry}" is not a host[:port]`);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isValidDigest(digest)) throw invalid(`"${digest}" is not a sha256 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) throw invalid(`"${tag}" is not a valid tag`);
  }
  if (!repositoryPattern.test(rest)) throw invalid(`"${rest}" is not a valid repository name`);
  if (!allowTag && (tag !== undefined || digest !== undefined))
    throw invalid('the URL must name the repository only; give the tag or digest in spec.ref');
  return {
    registry,
    repository: rest,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** `host/repo:tag@digest`, without the scheme. */
export function formatReference(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
