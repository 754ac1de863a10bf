import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chartJson } from './chart-json.ts';
import { chartFallbackReason } from './render.ts';

const root = await mkdtemp(join(tmpdir(), 'hc-render-test-'));
after(() => rm(root, { recursive: true, force: true }));

async function chart(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [path, text] of Object.entries({
    'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`,
    'values.yaml': 'a: 1\n',
    ...files,
  })) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe('own engine eligibility', () => {
  it('takes a plain chart, and sends hooks-free charts with CRDs, lookup, Revision or packaged subcharts to helm', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n';
    assert.equal(await chartFallbackReason(await chart('plain', { 'templates/cm.yaml': cm })), undefined);
    assert.match(
      (await chartFallbackReason(
        await chart('crds', { 'crds/crd.yaml': 'kind: CustomResourceDefinition\n' }),
      )) ?? '',
      /CRDs/,
    );
    assert.match(
      (await chartFallbackReason(
        await chart('lookup', { 'templates/cm.yaml': '{{ $x := lookup "v1" "Secret" "ns" "n" }}' }),
      )) ?? '',
      /lookup/,
    );
    assert.match(
      (await chartFallbackReason(
        await chart('revision', { 'templates/cm.yaml': 'rev: {{ .Release.Revision }}' }),
      )) ?? '',
      /Revision/,
    );
    assert.match(
      (await chartFallbackReason(await chart('packaged', { 'charts/sub-1.0.0.tgz': 'x' }))) ?? '',
      /packaged subcharts/,
    );
    assert.match(
      (await chartFallbackReason(
        await chart('subcrds', { 'charts/sub/Chart.yaml': 'name: sub', 'charts/sub/crds/c.yaml': 'x: 1' }),
      )) ?? '',
      /CRDs/,
    );
  });
});

describe('chart as Helm stores it', () => {
  it('splits metadata, values, schema, templates and files, leaving subcharts out', async () => {
    const dir = await chart('stored', {
      'templates/cm.yaml': 'kind: ConfigMap',
      'values.schema.json': '{}',
      'README.md': 'hi',
      'charts/sub/Chart.yaml': 'name: sub',
    });
    const json = await chartJson(dir);
    assert.deepEqual(json.metadata, { apiVersion: 'v2', name: 'stored', version: '1.0.0' });
    assert.deepEqual(json.values, { a: 1 });
    assert.equal(json.schema, Buffer.from('{}').toString('base64'));
    assert.deepEqual(
      json.templates.map((t) => [t.name, Buffer.from(t.data, 'base64').toString()]),
      [['templates/cm.yaml', 'kind: ConfigMap']],
    );
    assert.deepEqual(
      json.files?.map((f) => f.name),
      ['README.md'],
    );
    assert.equal(json.lock, null);
  });
});
