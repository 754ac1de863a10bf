import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  checkDependencies,
  loadChartMetadata,
  mergeValuesFiles,
  resolveInside,
  setChartVersion,
} from './chart.ts';

const root = await mkdtemp(join(tmpdir(), 'weft-chart-test-'));
after(() => rm(root, { recursive: true, force: true }));
const chart = join(root, 'charts', 'app');
await mkdir(join(chart, 'charts'), { recursive: true });
await writeFile(
  join(chart, 'Chart.yaml'),
  '# keep me\napiVersion: v2\nname: app\nversion: 1.2.3\ndependencies:\n  - {name: redis, version: 1.x, repository: https://charts.example}\n',
);
await writeFile(join(chart, 'values.yaml'), 'replicas: 1\nimage: {tag: a, repo: r}\n');
await writeFile(join(root, 'prod.yaml'), 'image: {tag: b}\n');

describe('chart directories', () => {
  it('reads Chart.yaml and asks for vendored dependencies', async () => {
    const metadata = await loadChartMetadata(chart);
    assert.equal(metadata.name, 'app');
    await assert.rejects(
      checkDependencies(chart, metadata),
      /depends on 'redis' from https:\/\/charts.example/,
    );
    await writeFile(join(chart, 'charts', 'redis-1.0.0.tgz'), '');
    await checkDependencies(chart, metadata);
  });

  it('merges values files in order into values.yaml', async () => {
    const used = await mergeValuesFiles({
      root,
      chartDir: chart,
      files: ['charts/app/values.yaml', 'prod.yaml', 'missing.yaml'],
      ignoreMissing: true,
    });
    assert.deepEqual(used, ['charts/app/values.yaml', 'prod.yaml']);
    assert.deepEqual(parse(await readFile(join(chart, 'values.yaml'), 'utf8')), {
      replicas: 1,
      image: { tag: 'b', repo: 'r' },
    });
    await assert.rejects(
      mergeValuesFiles({ root, chartDir: chart, files: ['missing.yaml'], ignoreMissing: false }),
      /values file 'missing.yaml' \(spec.valuesFiles\) is not in the source/,
    );
  });

  it('refuses paths and symlinks out of the source', async () => {
    await assert.rejects(
      resolveInside(root, '../etc/passwd', 'spec.chart'),
      /relative path inside the source/,
    );
    await symlink('/etc', join(root, 'out'));
    await assert.rejects(resolveInside(root, 'out', 'spec.chart'), /symlink out of the source/);
  });

  it('rewrites the version and keeps the rest', async () => {
    await setChartVersion(chart, '1.2.3+abcdef');
    const text = await readFile(join(chart, 'Chart.yaml'), 'utf8');
    assert.match(text, /# keep me/);
    assert.equal((await loadChartMetadata(chart)).version, '1.2.3+abcdef');
  });
});
