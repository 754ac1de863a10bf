/**
 * A chart directory as Helm's release storage holds it (`release.chart`): `metadata` (Chart.yaml),
 * `lock` (Chart.lock), `values` (values.yaml), `schema` (values.schema.json, base64),
 * `templates` and `files` (every other file; `{name, data: base64, modtime}`). Subcharts under
 * `charts/` are not stored, as in Helm. This is what `helm rollback`, `helm get` and a later
 * `helm upgrade --reuse-values` read from a revision the controller wrote.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';

const zeroTime = '0001-01-01T00:00:00Z';

interface ChartFile {
  name: string;
  data: string;
  modtime: string;
}

export interface HelmChartJson {
  metadata: Record<string, unknown>;
  lock: unknown;
  templates: ChartFile[];
  values: Record<string, unknown>;
  schema: string | null;
  schemamodtime: string;
  files: ChartFile[] | null;
  modtime: string;
}

function yamlMapping(text: string): Record<string, unknown> {
  const value: unknown = parse(text, { maxAliasCount: 100 });
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((name) => !name.startsWith('charts/'))
    .sort();
}

export async function chartJson(chartDir: string): Promise<HelmChartJson> {
  const chart: HelmChartJson = {
    metadata: {},
    lock: null,
    templates: [],
    values: {},
    schema: null,
    schemamodtime: zeroTime,
    files: null,
    modtime: zeroTime,
  };
  const files: ChartFile[] = [];
  for (const name of await filesUnder(chartDir)) {
    const path = join(chartDir, name);
    const [content, info] = await Promise.all([readFile(path), stat(path)]);
    const modtime = info.mtime.toISOString();
    if (name === 'Chart.yaml') {
      chart.metadata = yamlMapping(content.toString('utf8'));
      chart.modtime = modtime;
    } else if (name === 'Chart.lock' || name === 'requirements.lock') {
      chart.lock = yamlMapping(content.toString('utf8'));
    } else if (name === 'values.yaml') {
      chart.values = yamlMapping(content.toString('utf8'));
    } else if (name === 'values.schema.json') {
      chart.schema = content.toString('base64');
      chart.schemamodtime = modtime;
    } else if (name.startsWith('templates/')) {
      chart.templates.push({ name, data: content.toString('base64'), modtime });
    } else {
      files.push({ name, data: content.toString('base64'), modtime });
    }
  }
  if (files.length > 0) chart.files = files;
  return chart;
}
