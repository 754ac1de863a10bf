/**
 * A chart tarball from a repository (pulled, or a dependency) is untrusted input: it is unpacked
 * with the artifact extractor's limits and must hold exactly `<name>/` with a Chart.yaml of the
 * name and version the repository announced.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { extractArchive } from '@weft/artifact';
import { type ChartMetadata, loadChartMetadata } from './chart.ts';
import { HelmError } from './errors.ts';

export interface ChartArchiveLimits {
  /** Largest total of the files of an extracted chart. */
  maxChartContentBytes: number;
  /** Most entries in a chart. */
  maxChartFiles: number;
}

/** Unpacks `tarball` into `into` (created) and returns the chart directory and its metadata. */
export async function unpackChart(
  tarball: string,
  into: string,
  expected: { name: string; version: string },
  limits: ChartArchiveLimits,
): Promise<{ dir: string; metadata: ChartMetadata }> {
  await mkdir(into, { recursive: true });
  try {
    await extractArchive(tarball, into, {
      maxSize: limits.maxChartContentBytes,
      maxFiles: limits.maxChartFiles,
    });
  } catch (cause) {
    throw new HelmError(
      'InvalidChart',
      `the chart tarball cannot be unpacked safely: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const top = await readdir(into);
  if (top.length !== 1 || top[0] !== expected.name)
    throw new HelmError(
      'InvalidChart',
      `the chart tarball must hold one directory '${expected.name}/', it holds ${top.join(', ') || 'nothing'}`,
    );
  const dir = join(into, expected.name);
  const metadata = await loadChartMetadata(dir);
  if (metadata.name !== expected.name || metadata.version !== expected.version)
    throw new HelmError(
      'InvalidChart',
      `the chart tarball holds '${metadata.name}' version '${metadata.version}', the repository says '${expected.name}' version '${expected.version}'`,
    );
  return { dir, metadata };
}
