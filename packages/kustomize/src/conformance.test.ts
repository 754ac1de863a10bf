import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { KustomizeError } from './errors.ts';
import { build } from './index.ts';
import { parseYamlDocuments } from './io/yaml.ts';

// The cases live beside the repository (../shared/conformance/kustomize), never copied into it.
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const casesDir = path.resolve(repoRoot, '../shared/conformance/kustomize/cases');
const present = existsSync(casesDir);

describe('kustomize conformance', {
  skip: present ? false : `conformance cases not found at ${casesDir}`,
}, () => {
  const cases = present ? readdirSync(casesDir).sort() : [];
  for (const name of cases) {
    it(name, async () => {
      const dir = path.join(casesDir, name);
      const target = readFileSync(path.join(dir, 'target'), 'utf8').trim();
      const buildDir = path.join(dir, 'in', target);
      // The expected outputs keep kustomize's input order (built with --reorder none).
      const run = () => build(buildDir, { root: path.join(dir, 'in'), reorder: 'none' });
      const expectedErrorFile = path.join(dir, 'expected-error');
      if (existsSync(expectedErrorFile)) {
        // The build must fail for the case's reason, not crash: a KustomizeError that names the
        // file it is about, and, where the case says so, the words of kustomize's own error.
        const expectedWords = readFileSync(expectedErrorFile, 'utf8').trim();
        assert.throws(run, (error: unknown) => {
          assert.ok(error instanceof KustomizeError, `expected a KustomizeError, got ${String(error)}`);
          assert.ok(error.file, `the error names no file: ${error.message}`);
          assert.ok(
            path.resolve(error.file).startsWith(path.join(dir, 'in')),
            `the error names ${error.file}, outside the case's input`,
          );
          if (expectedWords) assert.ok(error.message.includes(expectedWords), error.message);
          return true;
        });
        return;
      }
      const expectedFile = path.join(dir, 'expected.yaml');
      const expected = parseYamlDocuments(readFileSync(expectedFile, 'utf8'), expectedFile);
      const actual = run();
      assert.deepStrictEqual(JSON.parse(JSON.stringify(actual)), JSON.parse(JSON.stringify(expected)));
    });
  }
});
