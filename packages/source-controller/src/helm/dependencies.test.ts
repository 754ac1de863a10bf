import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadChartMetadata } from './chart.ts';
import { buildDependencies, type DependencyFetcher } from './dependencies.ts';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'weft-deps-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

/** Records what it is asked for and "fetches" an empty tarball. */
class RecordingFetcher implements DependencyFetcher {
  readonly asked: string[] = [];
  async fetch(repository: string, name: string, range: string, dest: string): Promise<string> {
    this.asked.push(`${repository} ${name} ${range}`);
    await writeFile(join(dest, `${name}-9.9.9.tgz`), '');
    return '9.9.9';
  }
}

const chartYaml = (deps: string) => `apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n${deps}`;

describe('chart dependencies', () => {
  it('keeps vendored charts, copies file:// ones, fetches the others at the Chart.lock version', async () => {
    const root = await tree({
      'app/Chart.yaml': chartYaml(
        '  - {name: kept, version: 1.x, repository: https://charts.example}\n' +
          '  - {name: sub, version: ~0.1, repository: file://../sub}\n' +
          '  - {name: web, version: 2.x, repository: https://charts.example/}\n' +
          '  - {name: db, version: ">=1", repository: oci://r.example/charts}\n',
      ),
      'app/Chart.lock': 'dependencies:\n- {name: web, repository: https://charts.example/, version: 2.1.0}\n',
      'app/charts/kept-1.0.0.tgz': '',
      'sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.4\n',
    });
    const fetcher = new RecordingFetcher();
    const chartDir = join(root, 'app');
    const added = await buildDependencies({
      sourceDir: root,
      chartPath: chartDir,
      chartDir,
      metadata: await loadChartMetadata(chartDir),
      fetcher,
    });
    assert.deepEqual(added, ['sub@0.1.4', 'web@9.9.9', 'db@9.9.9']);
    assert.deepEqual(fetcher.asked, ['https://charts.example/ web 2.1.0', 'oci://r.example/charts db >=1']);
    assert.deepEqual((await readdir(join(chartDir, 'charts'))).sort(), [
      'db-9.9.9.tgz',
      'kept-1.0.0.tgz',
      'sub',
      'web-9.9.9.tgz',
    ]);
  });

  it('refuses file:// paths out of the source, aliases and dependencies without a repository', async () => {
    const cases: [string, RegExp][] = [
      ['  - {name: x, repository: file://../../outside}\n', /must be a relative path inside the source/],
      ['  - {name: x, repository: "@stable"}\n', /not by repository alias/],
      ['  - {name: x, version: 1.x}\n', /has no repository and is not in charts/],
      ['  - {name: sub, version: 2.x, repository: file://../sub}\n', /version 0\.1\.4, outside '2\.x'/],
    ];
    for (const [deps, message] of cases) {
      const root = await tree({
        'app/Chart.yaml': chartYaml(deps),
        'sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.4\n',
      });
      const chartDir = join(root, 'app');
      await assert.rejects(
        buildDependencies({
          sourceDir: root,
          chartPath: chartDir,
          chartDir,
          metadata: await loadChartMetadata(chartDir),
          fetcher: new RecordingFetcher(),
        }),
        message,
      );
    }
  });
});
