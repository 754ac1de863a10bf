/**
 * A chart's dependencies (Chart.yaml `dependencies`, requirements.yaml for v1 charts), made
 * present in its `charts/` the way `helm dependency build` does: a dependency already vendored
 * in `charts/` is kept; `file://` paths are copied from the source (never from outside it);
 * repository dependencies are fetched by a `DependencyFetcher` at the version Chart.lock pins,
 * else the newest in the Chart.yaml range.
 */
import { cp, lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';
import {
  type ChartMetadata,
  checkDependencies,
  loadChartMetadata,
  maxChartFileBytes,
  resolveInside,
} from './chart.ts';
import { HelmError } from './errors.ts';

export interface DependencyFetcher {
  /**
   * Fetches chart `name` at the newest version `range` accepts from `repository` (`http(s)://` or
   * `oci://`) as `<dest>/<name>-<version>.tgz`, checked; returns the version.
   */
  fetch(repository: string, name: string, range: string, dest: string): Promise<string>;
}

type Dependency = ChartMetadata['dependencies'][number];

/** What Chart.lock pins, by `name repository`; empty without a lock. */
async function lockedVersions(chartDir: string): Promise<Map<string, string>> {
  const file = join(chartDir, 'Chart.lock');
  const info = await lstat(file).catch(() => undefined);
  const locked = new Map<string, string>();
  if (!info?.isFile()) return locked;
  if (info.size > maxChartFileBytes)
    throw new HelmError('TooLarge', `Chart.lock is larger than ${maxChartFileBytes} bytes`);
  let doc: unknown;
  try {
    doc = parse(await readFile(file, 'utf8'), { maxAliasCount: 0 });
  } catch (cause) {
    throw new HelmError('InvalidChart', `Chart.lock is not valid YAML: ${(cause as Error).message}`, {
      cause,
    });
  }
  const deps =
    typeof doc === 'object' && doc !== null ? (doc as { dependencies?: unknown }).dependencies : undefined;
  for (const dep of Array.isArray(deps) ? deps : []) {
    const { name, repository, version } = (dep ?? {}) as Record<string, unknown>;
    if (typeof name === 'string' && typeof version === 'string')
      locked.set(`${name} ${typeof repository === 'string' ? repository : ''}`, version);
  }
  return locked;
}

async function vendored(chartDir: string, dep: Dependency): Promise<boolean> {
  const entries = await readdir(join(chartDir, 'charts')).catch(() => [] as string[]);
  return entries.some(
    (entry) => entry === dep.name || (entry.startsWith(`${dep.name}-`) && entry.endsWith('.tgz')),
  );
}

/**
 * Makes every dependency of the chart at `chartDir` (a copy of `chartPath`, a directory inside
 * `sourceDir`) present in `chartDir/charts`. Returns what was added (`name@version`), for events.
 */
export async function buildDependencies(options: {
  sourceDir: string;
  chartPath: string;
  chartDir: string;
  metadata: ChartMetadata;
  fetcher: DependencyFetcher;
}): Promise<string[]> {
  const { chartDir, metadata } = options;
  const locked = await lockedVersions(chartDir);
  const added: string[] = [];
  const charts = join(chartDir, 'charts');
  for (const dep of metadata.dependencies) {
    if (await vendored(chartDir, dep)) continue;
    const repository = dep.repository ?? '';
    const range = locked.get(`${dep.name} ${repository}`) ?? dep.version ?? '*';
    const what = `dependency '${dep.name}' of chart '${metadata.name}'`;
    if (repository === '')
      throw new HelmError(
        'MissingDependency',
        `${what} has no repository and is not in charts/: vendor it there or give its repository`,
      );
    await mkdir(charts, { recursive: true });
    if (repository.startsWith('file://')) {
      const target = resolve(options.chartPath, repository.slice('file://'.length));
      const path = await resolveInside(
        options.sourceDir,
        relative(options.sourceDir, target),
        `the repository of ${what}`,
      );
      const sub = await loadChartMetadata(path).catch((cause: unknown) => {
        throw new HelmError(
          'MissingDependency',
          `${what}: ${repository} is not a chart (${(cause as Error).message})`,
          {
            cause,
          },
        );
      });
      if (sub.name !== dep.name)
        throw new HelmError('MissingDependency', `${what}: ${repository} holds chart '${sub.name}'`);
      if (range !== '*' && semver.validRange(range) !== null && !semver.satisfies(sub.version, range))
        throw new HelmError(
          'MissingDependency',
          `${what}: ${repository} is version ${sub.version}, outside '${range}'`,
        );
      await checkDependencies(path, sub);
      await cp(path, join(charts, dep.name), { recursive: true, verbatimSymlinks: true });
      added.push(`${dep.name}@${sub.version}`);
      continue;
    }
    if (!/^(https?|oci):\/\//.test(repository))
      throw new HelmError(
        'MissingDependency',
        `${what} names repository '${repository}': weft fetches dependencies by URL (http, https, oci or file://), not by repository alias; use the URL or vendor the chart in charts/`,
      );
    const version = await options.fetcher.fetch(repository, dep.name, range, charts);
    added.push(`${dep.name}@${version}`);
  }
  return added;
}
