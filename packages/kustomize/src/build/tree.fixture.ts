import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/**
 * For a test file (call at its top level): `tree({ 'dir/file.yaml': text })` writes the files into
 * a fresh directory and returns it; all of them are removed after the file's tests.
 */
export function treeMaker(prefix: string): (files: Record<string, string>) => string {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return (files) => {
    const dir = path.join(root, `case-${n++}`);
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    return dir;
  };
}
