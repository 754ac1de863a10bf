/**
 * A Helm repository index (`index.yaml`): parsed with shape checks, and asked for the newest
 * chart version a SemVer range accepts.
 */
import { isRecord } from '@weft/runtime/client';
import semver from 'semver';
import { parse } from 'yaml';
import { HelmError } from './errors.ts';

export interface ChartVersionEntry {
  name: string;
  version: string;
  urls: string[];
  /** Hex sha256 of the chart tarball, when the index has it. */
  digest?: string;
  appVersion?: string;
}

export interface HelmIndex {
  entries: Map<string, ChartVersionEntry[]>;
}

/** Parses index.yaml; a document that is not a Helm index is an `InvalidIndex` error. */
export function parseIndex(text: string): HelmIndex {
  let doc: unknown;
  try {
    // Indexes are machine-written; no aliases needed, so none are allowed (billion laughs).
    doc = parse(text, { maxAliasCount: 0 });
  } catch (cause) {
    throw new HelmError(
      'InvalidIndex',
      `the repository index is not valid YAML: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (!isRecord(doc) || typeof doc.apiVersion !== 'string' || !isRecord(doc.entries ?? {}))
    throw new HelmError(
      'InvalidIndex',
      'the repository index has no apiVersion or entries: is spec.url the address of a Helm repository?',
    );
  const entries = new Map<string, ChartVersionEntry[]>();
  for (const [name, list] of Object.entries((doc.entries ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    const versions: ChartVersionEntry[] = [];
    for (const item of list) {
      if (!isRecord(item) || typeof item.version !== 'string' || !Array.isArray(item.urls)) continue;
      const urls = item.urls.filter((u): u is string => typeof u === 'string');
      if (urls.length === 0) continue;
      versions.push({
        name,
        version: item.version,
        urls,
        ...(typeof item.digest === 'string' ? { digest: item.digest } : {}),
        ...(typeof item.appVersion === 'string' ? { appVersion: item.appVersion } : {}),
      });
    }
    entries.set(name, versions);
  }
  return { entries };
}

/**
 * The newest version of `chart` that `range` accepts (an exact version wins as written). `where`
 * names what was searched, for messages: the repository index, or an OCI repository's tags.
 */
export function selectChartVersion(
  index: HelmIndex,
  chart: string,
  range: string,
  where = 'the repository index',
): ChartVersionEntry {
  const versions = index.entries.get(chart);
  if (!versions || versions.length === 0)
    throw new HelmError('ChartNotFound', `no chart named '${chart}' in ${where}: check spec.chart`);
  const wanted = range.trim() === '' ? '*' : range.trim();
  const exact = versions.find((entry) => entry.version === wanted);
  if (exact) return exact;
  if (semver.validRange(wanted) === null)
    throw new HelmError('ChartNotFound', `spec.version '${wanted}' is not a SemVer version or range`);
  let best: ChartVersionEntry | undefined;
  for (const entry of versions) {
    const version = semver.valid(entry.version);
    if (version === null || !semver.satisfies(version, wanted)) continue;
    if (!best || semver.gt(version, best.version)) best = entry;
  }
  if (!best) {
    const known = versions
      .map((entry) => entry.version)
      .slice(0, 10)
      .join(', ');
    throw new HelmError(
      'ChartNotFound',
      `no '${chart}' chart version matches '${wanted}' (${where} has ${known}${versions.length > 10 ? ', …' : ''})`,
    );
  }
  return best;
}

/** The absolute download URL of a chart version (index URLs may be relative to the repository). */
export function chartDownloadUrl(repositoryUrl: string, entry: ChartVersionEntry): string {
  const base = repositoryUrl.endsWith('/') ? repositoryUrl : `${repositoryUrl}/`;
  return new URL(entry.urls[0] ?? '', base).toString();
}

/** The address of index.yaml for a repository URL. */
export function indexUrl(repositoryUrl: string): string {
  return new URL('index.yaml', repositoryUrl.endsWith('/') ? repositoryUrl : `${repositoryUrl}/`).toString();
}
