import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GenerateCommand, generatedFiles } from '../src/index.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

describe('generated files', () => {
  it('the committed manifests and chart are what the definition generates', async () => {
    for (const [path, expected] of generatedFiles()) {
      const actual = await readFile(join(repoRoot, path), 'utf8').catch(() => undefined);
      assert.ok(actual !== undefined, `${path} is missing: run \`${GenerateCommand}\``);
      assert.ok(actual === expected, `${path} is stale: run \`${GenerateCommand}\``);
    }
  });

  it('values.schema.json closes every object, so a typo fails', () => {
    const schema = JSON.parse(generatedFiles().get('charts/weft/values.schema.json') ?? '{}');
    const open: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      if (node.type !== 'object' || !node.properties) return;
      if (node.additionalProperties !== false) open.push(path);
      for (const [key, child] of Object.entries(node.properties as Record<string, Record<string, unknown>>))
        walk(child, `${path}.${key}`);
    };
    walk(schema, '');
    assert.deepEqual(open, []);
    assert.equal(schema.properties['source-controller'].additionalProperties, false);
  });
});
