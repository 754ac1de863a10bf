/**
 * Helm charts in an OCI registry, as `helm push` stores them: the chart `<name>` of the
 * repository `oci://<host>/<path>` is the OCI repository `<path>/<name>`, each version a tag (with
 * `+` written `_`, which tags cannot hold), each manifest a Helm config and one chart layer.
 */
import { MediaType, OciError, type OciReference, parseReference, type RegistryClient } from '@weft/oci';
import semver from 'semver';
import { SecretError } from '../source/secret.ts';
import { HelmError, type HelmErrorCode } from './errors.ts';
import { type ChartVersionEntry, selectChartVersion } from './index-file.ts';

/** A chart version found in a registry. */
export interface OciChartVersion {
  version: string;
  tag: string;
  /** `sha256:<hex>` of the chart's manifest. */
  digest: string;
}

/** The OCI repository of `chart` under a HelmRepository's `oci://` URL. */
export function ociChartReference(repositoryUrl: string, chart: string): OciReference {
  try {
    return parseReference(`${repositoryUrl.replace(/\/+$/, '')}/${chart}`, { allowTag: false });
  } catch (cause) {
    throw new HelmError(
      'InvalidUrl',
      `${(cause as Error).message} (spec.url of the HelmRepository, spec.chart)`,
      {
        cause,
      },
    );
  }
}

/** The chart version a tag names (`1.2.3_build.1` is `1.2.3+build.1`), as Helm reads tags. */
export function tagVersion(tag: string): string {
  return tag.replaceAll('_', '+');
}

/**
 * The newest version of the chart `range` accepts. An exact version costs one manifest HEAD;
 * a range lists the tags (every page) and picks the newest match, with the same rules as an index.
 */
export async function resolveOciChart(
  registry: RegistryClient,
  ref: OciReference,
  chart: string,
  range: string,
): Promise<OciChartVersion> {
  const wanted = range.trim() === '' ? '*' : range.trim();
  let version: string;
  if (semver.valid(wanted) !== null && !/^[v=]/.test(wanted)) {
    version = wanted;
  } else {
    const tags = await registry.listTags(ref.repository);
    const entries: ChartVersionEntry[] = tags.map((tag) => ({
      name: chart,
      version: tagVersion(tag),
      urls: [tag],
    }));
    const where = `the tags of ${ref.registry}/${ref.repository}`;
    version = selectChartVersion({ entries: new Map([[chart, entries]]) }, chart, wanted, where).version;
  }
  const tag = version.replaceAll('+', '_');
  const resolved = await registry.resolve(ref.repository, tag);
  return { version, tag, digest: resolved.digest };
}

/**
 * Downloads the chart layer of the manifest `digest` to `path`: the manifest must be a Helm
 * chart's (Helm config, one chart layer); the layer is size-capped before the download and its
 * size and sha256 checked while streaming.
 */
export async function downloadOciChart(
  registry: RegistryClient,
  ref: OciReference,
  digest: string,
  path: string,
  maxBytes: number,
): Promise<void> {
  const { manifest } = await registry.getManifest(ref.repository, digest);
  const what = `${ref.registry}/${ref.repository}@${digest}`;
  if (manifest.config.mediaType !== MediaType.helmConfig)
    throw new HelmError(
      'InvalidChart',
      `${what} is not a Helm chart: its config is ${manifest.config.mediaType}, not ${MediaType.helmConfig}`,
    );
  const layer = manifest.layers.find((candidate) => candidate.mediaType === MediaType.helmChartContent);
  if (!layer)
    throw new HelmError('InvalidChart', `${what} has no layer of media type ${MediaType.helmChartContent}`);
  if (layer.size > maxBytes)
    throw new HelmError(
      'TooLarge',
      `the chart layer of ${what} is ${layer.size} bytes, more than the ${maxBytes} allowed`,
    );
  await registry.downloadBlob(ref.repository, layer, path, maxBytes);
}

/** A registry or Secret failure as a HelmError, so HelmChart's steps give it Flux's reasons. */
export function ociChartError(error: unknown): unknown {
  if (error instanceof SecretError) return new HelmError('InvalidSecret', error.message, { cause: error });
  if (!(error instanceof OciError)) return error;
  const codes: Partial<Record<OciError['code'], HelmErrorCode>> = {
    Unauthorized: 'AuthenticationFailed',
    InvalidCredentials: 'InvalidSecret',
    InvalidReference: 'InvalidUrl',
    NotFound: 'ChartNotFound',
    TooLarge: 'TooLarge',
    DigestMismatch: 'DigestMismatch',
    InvalidManifest: 'InvalidChart',
  };
  return new HelmError(codes[error.code] ?? 'Unreachable', error.message, { cause: error });
}
