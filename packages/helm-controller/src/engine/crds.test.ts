import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { create } from 'tar';
import { appliesCrdsItself, chartCrds, crdPolicy } from './crds.ts';

const root = await mkdtemp(join(tmpdir(), 'hc-crds-test-'));
after(() => rm(root, { recursive: true, force: true }));

const crd = (name: string) =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\n`;

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

describe('chart CRDs', () => {
  it('reads crds/ of the chart, of unpacked and of packaged subcharts, and nothing else', async () => {
    await write({
      'app/Chart.yaml': 'name: app',
      'app/crds/a.yaml': crd('a.example.com'),
      'app/templates/crds/not-a-crd-dir.yaml': crd('templated.example.com'),
      'app/charts/sub/Chart.yaml': 'name: sub',
      'app/charts/sub/crds/b.yaml': `${crd('b.example.com')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n`,
      'packed/sub2/Chart.yaml': 'name: sub2',
      'packed/sub2/crds/c.json': JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'c.example.com' },
      }),
    });
    await create({ gzip: true, file: join(root, 'app/charts/sub2-1.0.0.tgz'), cwd: join(root, 'packed') }, [
      'sub2',
    ]);
    const names = (await chartCrds(join(root, 'app'))).map((obj) => obj.metadata.name).sort();
    assert.deepEqual(names, ['a.example.com', 'b.example.com', 'c.example.com']);
  });

  it("follows Flux's defaults: Create on install (by helm), Skip on upgrade", () => {
    const spec = { interval: '1m' };
    assert.equal(crdPolicy(spec, 'install'), 'Create');
    assert.equal(crdPolicy(spec, 'upgrade'), 'Skip');
    assert.equal(crdPolicy({ ...spec, install: { skipCRDs: true } }, 'install'), 'Skip');
    assert.equal(appliesCrdsItself(spec, 'install'), false);
    assert.equal(appliesCrdsItself({ ...spec, install: { crds: 'CreateReplace' } }, 'install'), true);
    assert.equal(appliesCrdsItself({ ...spec, upgrade: { crds: 'Create' } }, 'upgrade'), true);
  });
});
