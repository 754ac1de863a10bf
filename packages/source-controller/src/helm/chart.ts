/**
 * A chart directory as untrusted input: its Chart.yaml checked, its dependencies present, values
 * files merged into values.yaml, and its version rewritten for the Revision strategy. Every path
 * a spec names must stay inside the source, following symlinks.
 */
import { lstat, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { mergeValues } from '@weft/api';
import { isRecord } from '@weft/runtime/client';
import semver from 'semver';
import { parse, parseDocument, stringify } from 'yaml';
import { HelmError } from './errors.ts';

export interface ChartMetadata {
  name: string;
  version: string;
  appVersion?: string;
  apiVersion: string;
  dependencies: { name: string; version?: string; repository?: string }[];
}

/** Largest Chart.yaml and values file read (Flux's default chart file limit is 5 MiB). */
export const maxChartFileBytes = 5 * 1024 * 1024;

async function readSmallFile(path: string, what: string): Promise<string> {
  const info = await stat(path);
  if (info.size > maxChartFileBytes)
    throw new HelmError('TooLarge', `${what} is larger than ${maxChartFileBytes} bytes`);
  return readFile(path, 'utf8');
}

/** `path` (relative, from a spec) resolved inside `root`; escapes, also through symlinks, fail. */
export async function resolveInside(root: string, path: string, field: string): Promise<string> {
  const target = resolve(root, path);
  const inside = (candidate: string, base: string) => {
    const rel = relative(base, candidate);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
  };
  if (isAbsolute(path) || !inside(target, root))
    throw new HelmError('InvalidChart', `${field} '${path}' must be a relative path inside the source`);
  const realRoot = await realpath(root);
  const realTarget = await realpath(target).catch(() => undefined);
  if (realTarget !== undefined && !inside(realTarget, realRoot))
    throw new HelmError('InvalidChart', `${field} '${path}' is a symlink out of the source`);
  return target;
}

/** Reads and checks `<dir>/Chart.yaml`. */
export async function loadChartMetadata(dir: string): Promise<ChartMetadata> {
  const file = join(dir, 'Chart.yaml');
  const info = await lstat(file).catch(() => undefined);
  if (!info?.isFile())
    throw new HelmError(
      'InvalidChart',
      'no Chart.yaml in the chart directory: is spec.chart the path of a chart?',
    );
  let doc: unknown;
  try {
    doc = parse(await readSmallFile(file, 'Chart.yaml'), { maxAliasCount: 0 });
  } catch (cause) {
    if (cause instanceof HelmError) throw cause;
    throw new HelmError('InvalidChart', `Chart.yaml is not valid YAML: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (!isRecord(doc)) throw new HelmError('InvalidChart', 'Chart.yaml is not a mapping');
  const { name, version } = doc;
  if (typeof name !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(name))
    throw new HelmError('InvalidChart', 'Chart.yaml has no valid name');
  if (typeof version !== 'string' || semver.valid(version) === null)
    throw new HelmError(
      'InvalidChart',
      `Chart.yaml of '${name}' has no SemVer version (got ${String(version)})`,
    );
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : 'v1';
  let deps: unknown = doc.dependencies;
  if (apiVersion === 'v1') {
    const requirements = join(dir, 'requirements.yaml');
    if ((await lstat(requirements).catch(() => undefined))?.isFile()) {
      const parsed: unknown = parse(await readSmallFile(requirements, 'requirements.yaml'), {
        maxAliasCount: 0,
      });
      deps = isRecord(parsed) ? parsed.dependencies : undefined;
    }
  }
  const dependencies = (Array.isArray(deps) ? deps : []).filter(isRecord).map((dep) => ({
    name: String(dep.name ?? ''),
    ...(typeof dep.version === 'string' ? { version: dep.version } : {}),
    ...(typeof dep.repository === 'string' ? { repository: dep.repository } : {}),
  }));
  return {
    name,
    version,
    apiVersion,
    dependencies,
    ...(typeof doc.appVersion === 'string' ? { appVersion: doc.appVersion } : {}),
  };
}

/**
 * Every dependency must already be in `charts/` (as `<name>/` or `<name>-<version>.tgz`): what a
 * packaged chart (from a repository, or a `file://` subchart's own dependencies) must carry.
 */
export async function checkDependencies(dir: string, metadata: ChartMetadata): Promise<void> {
  if (metadata.dependencies.length === 0) return;
  const vendored = await readdir(join(dir, 'charts')).catch(() => [] as string[]);
  for (const dep of metadata.dependencies) {
    const present = vendored.some(
      (entry) => entry === dep.name || (entry.startsWith(`${dep.name}-`) && entry.endsWith('.tgz')),
    );
    if (present) continue;
    throw new HelmError(
      'MissingDependency',
      `chart '${metadata.name}' depends on '${dep.name}'${dep.repository ? ` from ${dep.repository}` : ''}, which is not in its charts/ directory: a packaged chart carries its dependencies (run 'helm dependency build' before 'helm package')`,
    );
  }
}

/**
 * Merges `files` (paths inside `root`) in order and writes the result as `<chartDir>/values.yaml`
 * (Flux's rule: the chart's own values.yaml counts only when listed). Returns the files used.
 */
export async function mergeValuesFiles(options: {
  root: string;
  chartDir: string;
  files: readonly string[];
  ignoreMissing: boolean;
}): Promise<string[]> {
  let merged: Record<string, unknown> = {};
  const used: string[] = [];
  for (const file of options.files) {
    const path = await resolveInside(options.root, file, 'spec.valuesFiles');
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isFile() && !info?.isSymbolicLink()) {
      if (options.ignoreMissing) continue;
      throw new HelmError(
        'MissingValuesFile',
        `values file '${file}' (spec.valuesFiles) is not in the source; fix the path or set spec.ignoreMissingValuesFiles`,
      );
    }
    let doc: unknown;
    try {
      doc = parse(await readSmallFile(path, `values file '${file}'`), { maxAliasCount: 100 });
    } catch (cause) {
      if (cause instanceof HelmError) throw cause;
      throw new HelmError(
        'InvalidChart',
        `values file '${file}' is not valid YAML: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    if (doc !== null && doc !== undefined && !isRecord(doc))
      throw new HelmError('InvalidChart', `values file '${file}' is not a YAML mapping`);
    merged = mergeValues(merged, (doc ?? {}) as Record<string, unknown>);
    used.push(file);
  }
  await writeFile(join(options.chartDir, 'values.yaml'), stringify(merged));
  return used;
}

/** Rewrites `version` in Chart.yaml, keeping the rest of the file as written. */
export async function setChartVersion(chartDir: string, version: string): Promise<void> {
  const file = join(chartDir, 'Chart.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  doc.set('version', version);
  await writeFile(file, doc.toString());
}
