/**
 * The chart's `valuesFiles` when the HelmRelease decrypts (spec.decryption): source-controller
 * would merge them into the chart's values.yaml, ciphertext and all, and write that to its
 * artifact. So the HelmChart the template makes gets none, and the files are read here from the
 * chart artifact instead, decrypted in memory and merged (in order) under valuesFrom and values.
 *
 * The files must be inside the chart directory (a HelmRepository chart's files always are; a
 * GitRepository or Bucket path is relative to the source root, as in Flux). The chart's own
 * values.yaml stays the chart's defaults (Flux drops it unless listed): list the files over it.
 */
import { lstat, readFile } from 'node:fs/promises';
import { join, normalize, relative, sep } from 'node:path';
import { mergeValues } from '@weft/api';
import { parse } from 'yaml';
import type { DecryptValues } from './decryption.ts';
import type { HelmReleaseObject } from './types.ts';
import { ValuesError } from './values.ts';

type Values = Record<string, unknown>;

const maxValuesFileBytes = 4 * 1024 * 1024;

function insideChart(obj: HelmReleaseObject, file: string): string | undefined {
  const template = obj.spec.chart?.spec;
  if (!template) return undefined;
  const path =
    template.sourceRef.kind === 'HelmRepository'
      ? normalize(file)
      : relative(normalize(template.chart), normalize(file));
  if (path === '..' || path.startsWith(`..${sep}`) || path.startsWith(sep)) return undefined;
  return path;
}

/** The merged valuesFiles, or undefined when the controller leaves them to source-controller. */
export async function chartValuesFiles(
  obj: HelmReleaseObject,
  chartDir: string,
  decrypt: DecryptValues,
): Promise<Values | undefined> {
  const template = obj.spec.chart?.spec;
  if (obj.spec.decryption === undefined || !template?.valuesFiles?.length) return undefined;
  let merged: Values = {};
  for (const file of template.valuesFiles) {
    const what = `values file '${file}' (spec.chart.spec.valuesFiles)`;
    const path = insideChart(obj, file);
    if (path === undefined)
      throw new ValuesError(
        `${what} is outside the chart directory: with spec.decryption, values files are read from the chart itself`,
      );
    const full = join(chartDir, path);
    const info = await lstat(full).catch(() => undefined);
    if (!info?.isFile()) {
      if (template.ignoreMissingValuesFiles) continue;
      throw new ValuesError(
        `${what} is not in the chart; fix the path or set spec.chart.spec.ignoreMissingValuesFiles`,
      );
    }
    if (info.size > maxValuesFileBytes) throw new ValuesError(`${what} is larger than 4 MiB`);
    const text = await decrypt(await readFile(full, 'utf8'), what);
    let doc: unknown;
    try {
      doc = parse(text, { maxAliasCount: 100 });
    } catch {
      throw new ValuesError(`${what} is not valid YAML`);
    }
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new ValuesError(`${what} is not a YAML mapping`);
    merged = mergeValues(merged, doc as Values);
  }
  return merged;
}
