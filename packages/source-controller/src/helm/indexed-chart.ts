/**
 * Downloading a chart version listed in an HTTP repository's index: the URL the index gives
 * (relative to the repository), credentials only where Helm sends them, size-capped, and the
 * bytes checked against the index's digest.
 */
import { createHash } from 'node:crypto';
import { chartTransport } from './auth.ts';
import { HelmError } from './errors.ts';
import { type HelmTransport, httpGet } from './http.ts';
import { type ChartVersionEntry, chartDownloadUrl } from './index-file.ts';

export async function downloadIndexedChart(options: {
  repositoryUrl: string;
  entry: ChartVersionEntry;
  transport: HelmTransport;
  passCredentials: boolean;
  timeoutMs: number;
  maxBytes: number;
  signal: AbortSignal;
}): Promise<Buffer> {
  const { entry } = options;
  const url = chartDownloadUrl(options.repositoryUrl, entry);
  const bytes = await httpGet(url, {
    ...chartTransport(options.repositoryUrl, url, options.transport, options.passCredentials),
    what: `chart '${entry.name}' version '${entry.version}'`,
    timeoutMs: options.timeoutMs,
    maxBytes: options.maxBytes,
    signal: options.signal,
  });
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (entry.digest !== undefined && entry.digest !== '' && entry.digest !== digest)
    throw new HelmError(
      'DigestMismatch',
      `chart '${entry.name}' version '${entry.version}' has digest ${digest}, the index says ${entry.digest}: the repository is inconsistent`,
    );
  return bytes;
}
